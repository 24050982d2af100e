import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { CALLER_HEADER, tooMuch } from './caller-budget';
import { limiterClient, sharedLimiter, type SharedLimiter } from './limiter-store';

/**
 * Lookups by an identifier that names one person or one certificate (decision 13): each is
 * bounded per caller and per hour, so nobody sweeps guesses through them, whatever the query
 * cost. `librarianByNip` also comes one per operation (aliased batches are refused).
 */
export interface LookupBudgetSettings {
  /** `librarianByNip` lookups each caller may make per hour. */
  nipLookupsPerHour: number;
  /** `verifyCertificate` checks each caller may make per hour. */
  certificateChecksPerHour: number;
  /** Set: every gateway instance shares the lookups counted so far through this Redis. */
  redisUrl?: string;
  redisKeyPrefix?: string;
}

function positiveIntFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? '');
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function lookupBudgetFromEnv(): LookupBudgetSettings {
  return {
    nipLookupsPerHour: positiveIntFromEnv('NIP_LOOKUPS_PER_HOUR', 60),
    certificateChecksPerHour: positiveIntFromEnv('CERTIFICATE_CHECKS_PER_HOUR', 300),
    redisUrl: process.env.REDIS_URL || undefined,
    redisKeyPrefix: process.env.LOOKUP_BUDGET_REDIS_PREFIX || 'coop:lookup-budget:',
  };
}

/** How often each root field is asked, however written (aliases, named and inline fragments). */
export function rootFieldUses(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Map<string, number> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  // One per response key, as execution merges them.
  const keys = new Map<string, string>();
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        keys.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visited.has(selection.name.value)) continue;
        visited.add(selection.name.value);
        collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  const uses = new Map<string, number>();
  for (const name of keys.values()) uses.set(name, (uses.get(name) ?? 0) + 1);
  return uses;
}

function rateLimited(field: string, perHour: number, seconds: number): GraphQLError {
  return tooMuch(
    `Too many ${field} lookups: each caller may make ${perHour} per hour. Retry in ${seconds} s.`,
    seconds,
  );
}

/**
 * Refuses a second `librarianByNip` in one operation (400, BAD_USER_INPUT) and charges each
 * bounded lookup to its caller (CALLER_HEADER: the token's subject, role and province, else the
 * client's address); over the hour's budget, 429 RATE_LIMITED with retry-after. Runs only for
 * operations the gateway computes: a check answered from the response cache costs nothing.
 * Budgets are kept in this gateway's memory, or in Redis (shared by every gateway) with
 * `redisUrl`.
 */
export function lookupBudgetPlugin(settings: LookupBudgetSettings): ApolloServerPlugin {
  const limits = {
    librarianByNip: settings.nipLookupsPerHour,
    verifyCertificate: settings.certificateChecksPerHour,
  } as const;
  const client = settings.redisUrl ? limiterClient(settings.redisUrl, 'lookup budget') : undefined;
  const prefix = settings.redisKeyPrefix ?? 'coop:lookup-budget:';
  const limiters = Object.fromEntries(
    Object.entries(limits).map(([field, points]) => [
      field,
      sharedLimiter({ points, durationSeconds: 3600, keyPrefix: `${prefix}${field}`, client }),
    ]),
  ) as Record<keyof typeof limits, SharedLimiter>;
  const callerOf = (request: GraphQLRequest) =>
    request.http?.headers.get(CALLER_HEADER) ?? 'unknown';

  return {
    async serverWillStart() {
      return {
        async serverWillStop() {
          await client?.close().catch(() => undefined);
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (operation?.operation !== 'query') return;
          const uses = rootFieldUses(document, operation);
          if ((uses.get('librarianByNip') ?? 0) > 1) {
            throw new GraphQLError(
              'librarianByNip may be asked once per operation: send one NIP at a time.',
              {
                extensions: {
                  code: 'BAD_USER_INPUT',
                  field: 'librarianByNip',
                  http: { status: 400 },
                },
              },
            );
          }
          for (const field of Object.keys(limits) as (keyof typeof limits)[]) {
            const count = uses.get(field) ?? 0;
            if (!count) continue;
            try {
              await limiters[field].consume(callerOf(request), count);
            } catch (error) {
              if (!(error instanceof RateLimiterRes)) throw error;
              throw rateLimited(
                field,
                limits[field],
                Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
              );
            }
          }
        },
      };
    },
  };
}
