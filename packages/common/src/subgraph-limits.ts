import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type ValidationRule } from 'graphql';
import { intFromEnv } from './config';
import { costDirectivesOf, depthAndAliasRules, estimateCost } from './cost';

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
  /**
   * What an operation may cost, counted as the gateway counts it (estimateCost), from the
   * `@cost`/`@listSize` of the subgraph's own SDL.
   */
  maxCost: number;
}

export function subgraphLimitsFromEnv(): SubgraphLimits {
  return {
    maxDepth: intFromEnv('SUBGRAPH_MAX_QUERY_DEPTH', 16),
    maxAliases: intFromEnv('SUBGRAPH_MAX_QUERY_ALIASES', 60),
    maxListItems: intFromEnv('SUBGRAPH_MAX_LIST_ITEMS', 20_000),
    // Ten times the gateway's MAX_QUERY_COST: one gateway plan step may carry the entities of
    // many requests' lists at once.
    maxCost: intFromEnv('SUBGRAPH_MAX_QUERY_COST', 1_000_000),
  };
}

export function subgraphValidationRules(limits: SubgraphLimits): ValidationRule[] {
  return depthAndAliasRules(limits.maxDepth, limits.maxAliases);
}

function longestList(value: unknown): number {
  if (Array.isArray(value)) return Math.max(value.length, ...value.map(longestList));
  if (value && typeof value === 'object') {
    return Math.max(0, ...Object.values(value).map(longestList));
  }
  return 0;
}

function tooComplex(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 }, ...extensions },
  });
}

/**
 * Refuses, before any resolver, variables holding a list longer than `maxListItems` and an
 * operation costing more than `maxCost`, as declared by `typeDefs` (the subgraph's SDL).
 */
export function subgraphCostLimit(
  limits: SubgraphLimits,
  typeDefs: DocumentNode,
): ApolloServerPlugin {
  const directives = costDirectivesOf(typeDefs);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName }) {
          if (longestList(request.variables ?? {}) > limits.maxListItems) {
            throw tooComplex(
              `A list in the variables holds more than ${limits.maxListItems} items`,
            );
          }
          let cost: number;
          try {
            cost = estimateCost(
              schema,
              directives,
              document,
              operationName ?? undefined,
              request.variables ?? {},
            );
          } catch (error) {
            // Too many fields to count (MAX_COSTED_FIELDS) is refused as too complex.
            if (error instanceof GraphQLError && error.extensions.code === 'QUERY_TOO_COMPLEX') {
              throw error;
            }
            // Variables that do not fit their types (coerced here, before execution would): the
            // client's mistake, as on the gateway (gateway/limits.ts).
            throw new GraphQLError((error as Error).message, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          if (cost > limits.maxCost) {
            throw tooComplex(
              `The operation costs ${cost}, more than this subgraph's ${limits.maxCost}`,
              { cost, limit: limits.maxCost },
            );
          }
        },
      };
    },
  };
}
