import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import { intFromEnv } from './config';

/**
 * A subgraph's own limits, a second line behind the gateway's (which only it can pass, with
 * its credential): they bound what a leaked credential could make a subgraph do. They are
 * looser than the gateway's, because the gateway's own subgraph operations add a level for
 * `_entities` and carry every entity of a plan step at once.
 */
export interface SubgraphLimits {
  maxDepth: number;
  maxAliases: number;
  /** Items in any one list of the variables (e.g. `_entities` representations). */
  maxListItems: number;
}

export function subgraphLimitsFromEnv(): SubgraphLimits {
  return {
    maxDepth: intFromEnv('SUBGRAPH_MAX_QUERY_DEPTH', 16),
    maxAliases: intFromEnv('SUBGRAPH_MAX_QUERY_ALIASES', 60),
    maxListItems: intFromEnv('SUBGRAPH_MAX_LIST_ITEMS', 20_000),
  };
}

/** Reported as validation errors (HTTP 400), never thrown (a thrown error would be a 500). */
const report = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
  ],
};

export function subgraphValidationRules(limits: SubgraphLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ...report }) as unknown as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...report }) as unknown as ValidationRule,
  ];
}

function longestList(value: unknown): number {
  if (Array.isArray(value)) return Math.max(value.length, ...value.map(longestList));
  if (value && typeof value === 'object') {
    return Math.max(0, ...Object.values(value).map(longestList));
  }
  return 0;
}

/** Refuses, before any resolver, variables holding a list longer than `maxListItems`. */
export function listSizeLimit(limits: SubgraphLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          if (longestList(request.variables ?? {}) > limits.maxListItems) {
            throw new GraphQLError(
              `A list in the variables holds more than ${limits.maxListItems} items`,
              { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}
