import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import fs from 'node:fs';
import {
  costDirectivesOf,
  depthAndAliasRules,
  estimateCost,
  intFromEnv,
  type CostDirectives,
} from '@coop/common';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type TypeNode,
  type ValidationRule,
} from 'graphql';
import type { NextFunction, Request, Response } from 'express';
import { SUPERGRAPH_PATH } from './compose';
import { introspectionDepthRule } from './introspection-depth';

/** What the gateway accepts, from the environment; every limit answers with a clear error. */
export interface Limits {
  maxDepth: number;
  maxAliases: number;
  /**
   * Cost, by the demand-control specification (estimateCost in @coop/common) from the owners'
   * `@cost` and `@listSize` in the supergraph: an object 1, a scalar 0, lists times a
   * connection's `first` or their declared size. The contract's Agreement operation costs
   * about 6,100.
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

/**
 * The root fields an operation asks for, however written: directly, aliased, or inside named
 * and inline fragments on the root type, nested to any depth. Counted as execution merges them:
 * one per response key (`alias ?? name`); fields under `@skip`/`@include` count too.
 */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const keys = new Set<string>();
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment spread twice adds nothing new; a cycle is refused by validation.
        if (!fragment || visited.has(name)) continue;
        visited.add(name);
        collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return keys.size;
}

let checkedInDirectives: CostDirectives | undefined;

/** The owners' `@cost`/`@listSize`, from the checked-in supergraph the gateway plans against. */
export function supergraphCostDirectives(): CostDirectives {
  checkedInDirectives ??= costDirectivesOf(parse(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')));
  return checkedInDirectives;
}

/** The cost of an operation, as the limit and the caller's budget count it; throws for bad variables. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  directives: CostDirectives = supergraphCostDirectives(),
): number {
  return estimateCost(schema, directives, document, operationName, variables);
}

/** Costs kept per parsed document, by operation name and variables: at most this many each. */
const COSTS_PER_DOCUMENT = 64;
interface DocumentCosts {
  /** Per operation name: the variables a cost can depend on (see `costVariables`). */
  variablesByOperation: Map<string | null, string[]>;
  costs: Map<string, number>;
}
const costsBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, DocumentCosts>>();

/** Scalars whose value a cost reads: list sizes (`first`) and `@include`/`@skip` conditions. */
const COST_SCALARS = new Set(['Int', 'Float', 'Boolean']);

/**
 * The variables of the operation whose values can change its cost: those of a type built on
 * Int, Float or Boolean (`first: $n`, `@include(if: $b)`). An id, a string or an input object
 * changes what is read, never how much the estimate counts (it reads slicing arguments).
 */
function costVariables(document: DocumentNode, operationName: string | undefined): string[] {
  const operation = getOperationAST(document, operationName);
  return (operation?.variableDefinitions ?? [])
    .filter((definition) => {
      let type: TypeNode = definition.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      return COST_SCALARS.has(type.name.value);
    })
    .map((definition) => definition.variable.name.value)
    .sort();
}

/**
 * operationCost, counted once per document, operation name and the variables it depends on:
 * Apollo Server hands out the same parsed document for the same text, and callers send the
 * same few operations all day, with ids that change nothing of the cost. Counting walks the
 * whole document with type information. A variable that does not fit its type still fails, when
 * Apollo Server coerces the variables (400, BAD_USER_INPUT).
 */
function knownOperationCost(
  schema: GraphQLSchema,
  directives: CostDirectives,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): number {
  let bySchema = costsBySchema.get(schema);
  if (!bySchema) {
    bySchema = new WeakMap();
    costsBySchema.set(schema, bySchema);
  }
  let known = bySchema.get(document);
  if (!known) {
    known = { variablesByOperation: new Map(), costs: new Map() };
    bySchema.set(document, known);
  }
  let names = known.variablesByOperation.get(operationName ?? null);
  if (!names) {
    names = costVariables(document, operationName);
    known.variablesByOperation.set(operationName ?? null, names);
  }
  const key = JSON.stringify([operationName ?? null, names.map((name) => variables[name] ?? null)]);
  let cost = known.costs.get(key);
  if (cost === undefined) {
    cost = operationCost(schema, document, operationName, variables, directives);
    if (known.costs.size >= COSTS_PER_DOCUMENT) known.costs.clear();
    known.costs.set(key, cost);
  }
  return cost;
}

export function validationRules(limits: Limits): ValidationRule[] {
  return [...depthAndAliasRules(limits.maxDepth, limits.maxAliases), introspectionDepthRule()];
}

function tooExpensive(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 }, ...extensions },
  });
}

/**
 * What the operation's cost is charged to once it is within the limits (caller-budget.ts); it
 * throws the error to answer instead (429) when the caller's budget is spent.
 */
export type ChargeCost = (request: GraphQLRequest, cost: number) => Promise<void>;

/**
 * Refuses, before any subgraph is asked, operations whose cost or root fields exceed the limits,
 * then charges the cost to the caller's budget (`charge`). Apollo Server runs this only for
 * answers it computes: answers from the gateway's response cache cost nothing.
 */
export function costLimitPlugin(
  limits: Limits,
  charge?: ChargeCost,
  directives: CostDirectives = supergraphCostDirectives(),
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          if (!operation) return;
          const rootFields = rootFieldCount(document, operation);
          if (rootFields > limits.maxRootFields) {
            throw tooExpensive(
              `The operation asks for ${rootFields} root fields; at most ${limits.maxRootFields} are allowed. Split it into several requests.`,
              { rootFields, limit: limits.maxRootFields },
            );
          }
          let cost: number;
          try {
            cost = knownOperationCost(
              schema,
              directives,
              document,
              request.operationName ?? undefined,
              request.variables ?? {},
            );
          } catch (error) {
            // Too many fields to count (MAX_COSTED_FIELDS) is refused as too complex.
            if (error instanceof GraphQLError && error.extensions.code === 'QUERY_TOO_COMPLEX') {
              throw error;
            }
            // Variables that do not fit their types: the client's mistake, said plainly.
            throw new GraphQLError((error as Error).message, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          if (cost > limits.maxCost) {
            throw tooExpensive(
              `The operation may cost ${cost} (lists count their \`first\` or declared size); the limit is ${limits.maxCost}. Ask for smaller pages or fewer nested lists.`,
              { cost, limit: limits.maxCost },
            );
          }
          await charge?.(request, cost);
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
