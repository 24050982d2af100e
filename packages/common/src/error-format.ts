import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { log } from './log';

const DATABASE_TROUBLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|Query read timeout|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down)|canceling statement due to statement timeout/i;

/**
 * What a client sees of an unexpected error: a database that is away becomes
 * DATABASE_UNAVAILABLE (try again), anything else a plain internal error. The details (hosts,
 * ports, SQL) go to the log, not to the client.
 */
export function formatErrorFor(service: string) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
    const original = unwrapResolverError(error);
    const detail = original instanceof Error ? original.message : String(original);
    log.error('request failed', { service, error: detail, path: formatted.path });
    if (DATABASE_TROUBLE.test(detail)) {
      return {
        message: `The ${service} database is unavailable right now; try again shortly`,
        path: formatted.path,
        extensions: { code: 'DATABASE_UNAVAILABLE', serviceName: service },
      };
    }
    return {
      message: 'Internal error: it has been logged',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: service },
    };
  };
}
