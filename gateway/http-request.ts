/** The parts of a GraphQL-over-HTTP POST body that decide its answer. */
export interface GraphQLBody {
  query: string;
  operationName?: string | null;
  variables?: unknown;
  extensions?: unknown;
}

/**
 * The body of a single (not batched) POST, when it has the shape of a GraphQL request; null
 * otherwise, and Apollo Server answers it (with its own 400 where it is wrong).
 */
export function graphQLBody(body: unknown): GraphQLBody | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const { query, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string') return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return null;
  }
  return body as GraphQLBody;
}
