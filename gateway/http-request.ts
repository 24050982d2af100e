import type { Request } from 'express';

/** The parts of a GraphQL-over-HTTP POST body that decide its answer. */
export interface GraphQLBody {
  query: string;
  operationName?: string | null;
  variables?: unknown;
  extensions?: unknown;
}

/** A JSON object (a map), as the spec and Apollo Server require `variables` and `extensions`. */
function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Absent, null or a map: what Apollo Server accepts for `variables` and `extensions`. */
const optionalMap = (value: unknown) => value === undefined || value === null || isMap(value);

/**
 * The body of a single (not batched) POST, when it has the shape of a GraphQL request; null
 * otherwise, and Apollo Server answers it (with its own 400 where it is wrong).
 */
export function graphQLBody(body: unknown): GraphQLBody | null {
  if (!isMap(body)) return null;
  const { query, operationName, variables, extensions } = body;
  if (typeof query !== 'string') return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return null;
  }
  return { query, operationName, variables, extensions };
}

/**
 * A single POST that Apollo Server would accept exactly as it is (the checks of its
 * `runHttpQuery`), as the response cache sees it; null otherwise, and Apollo Server answers it
 * uncached. Apollo Server refuses each of these before executing anything, so no write runs
 * without refreshing what it may change (docs/decisions/0020).
 *
 * A hit is sent before Apollo Server reads the request, so the key holds whatever can change the
 * answer: `query`, `operationName`, `variables`, `extensions` and Accept. Accept is not checked
 * here: Apollo Server refuses a bad one only after executing, and being in the key, a hit is
 * only sent for an Accept that Apollo Server answered this same request for.
 */
export function cacheableBody(req: Request): GraphQLBody | null {
  if (req.method !== 'POST' || req.is('application/json') !== 'application/json') return null;
  const body = graphQLBody(req.body);
  if (!body || !optionalMap(body.variables) || !optionalMap(body.extensions)) return null;
  return body;
}
