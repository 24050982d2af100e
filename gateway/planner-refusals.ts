import type { ApolloServerPlugin } from '@apollo/server';
import { log } from '@coop/common';
import type { GraphQLFormattedError } from 'graphql';

/** The colour codes util.inspect writes with `colors: true`, as some planner messages use it. */
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

function codeOf(error: unknown): unknown {
  return (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
}

/**
 * What the gateway's executor throws is the query planner's: executing a plan answers a failing
 * subgraph with errors in the response instead. Before planning, the planner reads the operation
 * again against its own schema (federation-internals' `operationFromDocument`), stricter than
 * graphql-js's validation, and throws INVALID_GRAPHQL for what it will not plan; Apollo Server
 * would answer that with a 500. It is the client's operation that is refused: a 400 with
 * GRAPHQL_VALIDATION_FAILED. Whatever the planner throws, its message loses the colour codes
 * some of its messages carry. The validation rules refuse every such operation known (numbers.ts
 * and operation-types.ts in @coop/common); this keeps one not yet known a client error, logged.
 */
export function plannerRefusalPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      let thrown: Error | undefined;
      return {
        async executionDidStart() {
          return {
            async executionDidEnd(error) {
              thrown = error;
            },
          };
        },
        async willSendResponse({ response, request }) {
          if (!thrown || response.body.kind !== 'single') return;
          const refused = codeOf(thrown) === 'INVALID_GRAPHQL';
          const result = response.body.singleResult;
          const errors = (result.errors ?? []).map((error): GraphQLFormattedError => ({
            ...error,
            message: error.message.replace(ANSI_ESCAPE, ''),
            ...(refused
              ? { extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }
              : {}),
          }));
          response.body.singleResult = { ...result, errors };
          if (!refused) return;
          log.warn('the query planner refused an operation that passed validation', {
            service: 'gateway',
            error: errors[0]?.message,
            operationName: request.operationName,
          });
          response.http.status = 400;
        },
      };
    },
  };
}
