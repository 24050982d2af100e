import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { log } from './log';

const DATABASE_TROUBLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|Query read timeout|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down)|canceling statement due to statement timeout/i;

/**
 * PostgreSQL's refusals of a value itself: text it cannot hold (NUL, 22021/22P05), a date or
 * time outside the calendar (22007/22008). The inputs' domains (input-domains.ts) keep such
 * values out; should one get through, it is still the client's value, not a server failure.
 */
const REFUSED_VALUE_SQLSTATES = new Set(['22021', '22P05', '22007', '22008']);

function sqlState(error: unknown): string | undefined {
  const failure = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = failure?.driverError?.code ?? failure?.code;
  return typeof code === 'string' ? code : undefined;
}

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
    const state = sqlState(original);
    if (state && REFUSED_VALUE_SQLSTATES.has(state)) {
      log.warn('database refused a value', { service, error: detail, path: formatted.path });
      return {
        message:
          'A value in the request cannot be used: it holds a control character or a date outside the calendar; correct it and try again',
        path: formatted.path,
        extensions: { code: 'BAD_USER_INPUT', serviceName: service },
      };
    }
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
