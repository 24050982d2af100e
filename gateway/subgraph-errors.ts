import type { FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';

interface SubgraphError {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown };
}

/**
 * What the client sees when a subgraph answers with an HTTP error (a 400 for a value it
 * refused, a 401, a 5xx): the subgraph's own first error, its message and code, naming the
 * subgraph. Apollo's default would say "400: Bad Request", carry the subgraph's internal URL in
 * `extensions.response` and count as an internal error.
 */
export function subgraphErrorFromResponse(subgraph: string) {
  return async (response: FetcherResponse): Promise<GraphQLError> => {
    let first: SubgraphError | undefined;
    try {
      const body = JSON.parse(await response.text()) as { errors?: SubgraphError[] } | null;
      first = body?.errors?.[0];
    } catch {
      // Not JSON: the status says enough.
    }
    const status = response.status;
    const code =
      typeof first?.extensions?.code === 'string'
        ? first.extensions.code
        : status === 401
          ? 'UNAUTHENTICATED'
          : status === 403
            ? 'FORBIDDEN'
            : status < 500
              ? 'BAD_REQUEST'
              : 'SUBGRAPH_UNAVAILABLE';
    const message =
      typeof first?.message === 'string' && first.message
        ? first.message
        : `The ${subgraph} subgraph answered HTTP ${status}`;
    const field = typeof first?.extensions?.field === 'string' ? first.extensions.field : undefined;
    return new GraphQLError(message, {
      extensions: { code, serviceName: subgraph, ...(field ? { field } : {}) },
    });
  };
}
