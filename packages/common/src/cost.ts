import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  isListType,
  isNonNullType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './pagination';

/** A plain list of unknown size is counted as this many items. */
export const DEFAULT_LIST_SIZE = 20;

/**
 * Lists cost what they will return, each item costing its subtree, for the gateway's limits and
 * the subgraphs' second line alike. A field that takes `first` (every connection) returns
 * `first` items, or, when `first` is absent, null or a variable left unset, the page its
 * resolver returns then (DEFAULT_PAGE_SIZE, see toPage in pagination.ts). graphql-query-
 * complexity hands the estimator `args` as execution would see them: variables coerced, with
 * their defaults, and the argument's default when neither gives a value; a `null` stays null,
 * hence the fallback. `_entities` returns one item per representation. Any other plain list
 * counts `knownSizes[Type.field]` or DEFAULT_LIST_SIZE items.
 */
export function listSizeEstimator(
  knownSizes: Readonly<Record<string, number>> = {},
): ComplexityEstimator {
  return ({ args, childComplexity, field, type }) => {
    if (field.name === '_entities' && Array.isArray(args.representations)) {
      return Math.max(1, args.representations.length) * (1 + childComplexity);
    }
    if (field.args.some((arg) => arg.name === 'first')) {
      const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
      return Math.max(first, 1) * (1 + childComplexity);
    }
    // A connection's `first` already counted its edges.
    if (type.name.endsWith('Connection') && field.name === 'edges') return 1 + childComplexity;
    const returned = isNonNullType(field.type) ? field.type.ofType : field.type;
    if (isListType(returned)) {
      const size = knownSizes[`${type.name}.${field.name}`] ?? DEFAULT_LIST_SIZE;
      return size * (1 + childComplexity);
    }
    return undefined;
  };
}

/** Reported as validation errors (HTTP 400), not thrown: a thrown error would be a 500. */
const report = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
  ],
};

/** Depth and alias limits (GraphQL Armor) as validation rules. */
export function depthAndAliasRules(maxDepth: number, maxAliases: number): ValidationRule[] {
  return [
    maxDepthRule({ n: maxDepth, ...report }) as unknown as ValidationRule,
    maxAliasesRule({ n: maxAliases, ...report }) as unknown as ValidationRule,
  ];
}
