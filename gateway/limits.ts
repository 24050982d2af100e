import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { intFromEnv } from '@coop/common';
import {
  GraphQLError,
  isListType,
  isNonNullType,
  Kind,
  type GraphQLOutputType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { NextFunction, Request, Response } from 'express';

/** What the gateway accepts, from the environment; every limit answers with a clear error. */
export interface Limits {
  maxDepth: number;
  maxAliases: number;
  /**
   * Cost: every field 1, a list multiplies its subtree by `first` (or 20 when not given). The
   * contract's Agreement operation costs about 12,000.
   */
  maxCost: number;
  maxRootFields: number;
  maxBodyBytes: number;
  maxBatchOperations: number;
  introspection: boolean;
  subgraphTimeoutMs: number;
}

export function limitsFromEnv(): Limits {
  return {
    maxDepth: intFromEnv('MAX_QUERY_DEPTH', 12),
    maxAliases: intFromEnv('MAX_QUERY_ALIASES', 30),
    maxCost: intFromEnv('MAX_QUERY_COST', 100_000),
    maxRootFields: intFromEnv('MAX_ROOT_FIELDS', 20),
    maxBodyBytes: intFromEnv('MAX_BODY_BYTES', 100_000),
    maxBatchOperations: intFromEnv('MAX_BATCH_OPERATIONS', 10),
    introspection: process.env.INTROSPECTION !== 'false',
    subgraphTimeoutMs: intFromEnv('SUBGRAPH_TIMEOUT_MS', 5000),
  };
}

/** A list of unknown size is counted as this many items. */
export const DEFAULT_LIST_SIZE = 20;

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * Lists cost what they may return: `first` items (connections), or DEFAULT_LIST_SIZE for a
 * plain list, each item costing its subtree.
 */
export const listSizeEstimator: ComplexityEstimator = ({ args, childComplexity, field, type }) => {
  if (typeof args.first === 'number') return Math.max(args.first, 1) * (1 + childComplexity);
  // A connection's `first` already counted its edges.
  if (type.name.endsWith('Connection') && field.name === 'edges') return 1 + childComplexity;
  if (isList(field.type)) return DEFAULT_LIST_SIZE * (1 + childComplexity);
  return undefined;
};

/** Reported as validation errors (HTTP 400), not thrown: a thrown error would be a 500. */
const report = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
  ],
};

export function validationRules(limits: Limits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ...report }) as unknown as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...report }) as unknown as ValidationRule,
  ];
}

function tooExpensive(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 }, ...extensions },
  });
}

/** Refuses, before any subgraph is asked, operations whose cost or root fields exceed the limits. */
export function costLimitPlugin(limits: Limits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          if (!operation) return;
          const rootFields = operation.selectionSet.selections.filter(
            (selection) => selection.kind === Kind.FIELD,
          ).length;
          if (rootFields > limits.maxRootFields) {
            throw tooExpensive(
              `The operation asks for ${rootFields} root fields; at most ${limits.maxRootFields} are allowed. Split it into several requests.`,
              { rootFields, limit: limits.maxRootFields },
            );
          }
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [listSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Variables that do not fit their types: the client's mistake, said plainly.
            throw new GraphQLError((error as Error).message, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          if (cost > limits.maxCost) {
            throw tooExpensive(
              `The operation may cost ${cost} (lists count their \`first\` items); the limit is ${limits.maxCost}. Ask for smaller pages or fewer nested lists.`,
              { cost, limit: limits.maxCost },
            );
          }
        },
      };
    },
  };
}

/**
 * Express error handler for what happens before GraphQL: a body too large or not JSON gets a
 * GraphQL-shaped error with a code, never an HTML page or a 500.
 */
export function requestErrorHandler(limits: Limits) {
  return (
    error: { type?: string; status?: number },
    _req: Request,
    res: Response,
    next: NextFunction,
  ) => {
    if (error.type === 'entity.too.large') {
      res.status(413).json({
        errors: [
          {
            message: `The request body is larger than ${limits.maxBodyBytes} bytes`,
            extensions: { code: 'PAYLOAD_TOO_LARGE', limit: limits.maxBodyBytes },
          },
        ],
      });
      return;
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      res.status(400).json({
        errors: [
          { message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } },
        ],
      });
      return;
    }
    next(error);
  };
}

/** Batched requests (a JSON array of operations) hold at most `maxBatchOperations`. */
export function batchLimit(limits: Limits) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (Array.isArray(req.body) && req.body.length > limits.maxBatchOperations) {
      res.status(400).json({
        errors: [
          {
            message: `A batch holds at most ${limits.maxBatchOperations} operations, got ${req.body.length}`,
            extensions: { code: 'BATCH_TOO_LARGE', limit: limits.maxBatchOperations },
          },
        ],
      });
      return;
    }
    next();
  };
}
