import { HeaderMap, type ApolloServerPlugin, type GraphQLRequest } from '@apollo/server';
import { createClient } from '@redis/client';
import { intFromEnv, log, type Viewer } from '@coop/common';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { ChargeCost } from './limits';

/**
 * Each caller's budget of query cost per time window (docs/decisions/0011-caller-budget.md).
 * A caller is the verified token's subject, role and province, or the client's address when
 * there is no valid token.
 */
export interface CallerBudgetSettings {
  /** Cost one caller may spend per window; 0 turns the budget off. */
  costPerWindow: number;
  windowSeconds: number;
  /** Set: every gateway instance shares the budgets through this Redis. */
  redisUrl?: string;
  redisKeyPrefix: string;
  /**
   * Most computed operations one caller may have in flight at once on this gateway (kept in
   * memory per gateway); absent or 0: no limit.
   */
  maxInFlight?: number;
}

export function callerBudgetFromEnv(): CallerBudgetSettings {
  return {
    costPerWindow: intFromEnv('CALLER_COST_PER_MINUTE', 50_000_000),
    windowSeconds: 60,
    redisUrl: process.env.REDIS_URL || undefined,
    redisKeyPrefix: process.env.CALLER_BUDGET_REDIS_PREFIX ?? 'coop:caller-budget:',
    maxInFlight: intFromEnv('CALLER_MAX_IN_FLIGHT', 16),
  };
}

/**
 * The internal header that names the caller of a request. `callerIdentity` sets it on every
 * request (overwriting anything a client sent), and only Apollo Server's plugins read it: the
 * gateway forwards nothing but `authorization` and `x-request-id` to the subgraphs.
 */
export const CALLER_HEADER = 'x-coop-caller';

/** Who is asking: the verified token's subject + role + province, else the client's address. */
export function callerKey(viewer: Viewer | null, address: string | undefined): string {
  if (viewer?.authenticated && viewer.subject) {
    return JSON.stringify(['token', viewer.subject, viewer.role, viewer.provinceCode]);
  }
  return JSON.stringify(['address', address ?? 'unknown']);
}

/** Express middleware: names the caller in CALLER_HEADER (the verifier caches tokens). */
export function callerIdentity(
  verifyToken: (authorization: string | undefined) => Promise<Viewer>,
) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const viewer = await verifyToken(req.headers.authorization).catch(() => null);
    req.headers[CALLER_HEADER] = callerKey(viewer, req.ip ?? req.socket.remoteAddress);
    next();
  };
}

export interface CallerBudget {
  /** Charges an operation's cost to its caller; throws RATE_LIMITED (429) when spent. */
  charge: ChargeCost;
  close(): Promise<void>;
}

function rateLimited(waitMs: number, settings: CallerBudgetSettings): GraphQLError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return tooMuch(
    `Too much work asked in too little time: each caller may spend a query cost of ${settings.costPerWindow} per ${settings.windowSeconds} s. Retry in ${seconds} s.`,
    seconds,
  );
}

function tooMuch(message: string, seconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds: seconds,
      http: {
        status: 429,
        // Apollo Server iterates these (a HeaderMap); graphql-yoga's typings say a record.
        headers: new HeaderMap([['retry-after', String(seconds)]]) as unknown as Record<
          string,
          string
        >,
      },
    },
  });
}

/**
 * In memory by default; through Redis when `redisUrl` is set, with @redis/client (node-redis
 * v4+ API: `useRedisPackage`). While Redis cannot be reached, each gateway falls back to its
 * own in-memory budget rather than refusing or letting everything through.
 */
export function callerBudget(settings: CallerBudgetSettings): CallerBudget | undefined {
  if (settings.costPerWindow <= 0) return undefined;
  const options = { points: settings.costPerWindow, duration: settings.windowSeconds };
  const memory = new RateLimiterMemory(options);
  let limiter: RateLimiterAbstract = memory;
  let client: ReturnType<typeof createClient> | undefined;
  if (settings.redisUrl) {
    client = createClient({
      url: settings.redisUrl,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        reconnectStrategy: (retries) => Math.min(retries * 200, 2000),
      },
    });
    let ready = false;
    client.on('ready', () => (ready = true));
    client.on('error', (error: unknown) => {
      if (ready) log.warn('caller budget: Redis unavailable', { reason: String(error) });
      ready = false;
    });
    client.connect().catch(() => undefined);
    limiter = new RateLimiterRedis({
      ...options,
      storeClient: client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      keyPrefix: settings.redisKeyPrefix,
      insuranceLimiter: memory,
    });
  }
  return {
    async charge(request: GraphQLRequest, cost: number) {
      const caller = callerOf(request);
      // A cost over the whole window could never pass: refused by MAX_QUERY_COST anyway.
      const points = Math.min(Math.max(Math.ceil(cost), 1), settings.costPerWindow);
      try {
        await limiter.consume(caller, points);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw rateLimited(rejection.msBeforeNext, settings);
        }
        // The store failed and so did its insurance: let the request through, say so.
        log.warn(`caller budget not checked: ${(rejection as Error).message}`, {
          service: 'gateway',
        });
      }
    },
    async close() {
      await client?.close().catch(() => undefined);
    },
  };
}

/** The caller named in CALLER_HEADER by `callerIdentity`. */
function callerOf(request: GraphQLRequest): string {
  return request.http?.headers.get(CALLER_HEADER) ?? 'unknown';
}

export interface CallerConcurrency {
  /**
   * Takes one of the caller's slots for this operation; throws RATE_LIMITED (429) when all of
   * them are taken. Called where the cost is charged, so only computed operations within the
   * limits take a slot, and before the budget is charged.
   */
  acquire: ChargeCost;
  /** Gives the slot back once the response is ready, whatever its outcome. */
  plugin: ApolloServerPlugin;
  /** Operations in flight, by caller (tests). */
  inFlight(): ReadonlyMap<string, number>;
}

/**
 * At most `maxInFlight` computed operations per caller at once. In memory, per gateway: a slot
 * lives as long as one request on one gateway, so nothing needs sharing (decision 11).
 */
export function callerConcurrency(maxInFlight: number | undefined): CallerConcurrency | undefined {
  if (!maxInFlight || maxInFlight <= 0) return undefined;
  const counts = new Map<string, number>();
  const holding = new WeakMap<GraphQLRequest, string>();
  const release = (request: GraphQLRequest) => {
    const caller = holding.get(request);
    if (caller === undefined) return;
    holding.delete(request);
    const left = (counts.get(caller) ?? 1) - 1;
    if (left > 0) counts.set(caller, left);
    else counts.delete(caller);
  };
  return {
    async acquire(request: GraphQLRequest) {
      if (holding.has(request)) return;
      const caller = callerOf(request);
      const count = counts.get(caller) ?? 0;
      if (count >= maxInFlight) {
        throw tooMuch(
          `Too many operations at once: each caller may have ${maxInFlight} computed operations in flight. Retry in 1 s.`,
          1,
        );
      }
      counts.set(caller, count + 1);
      holding.set(request, caller);
    },
    plugin: {
      async requestDidStart() {
        return {
          async willSendResponse({ request }) {
            release(request);
          },
        };
      },
    },
    inFlight: () => counts,
  };
}

/** Charges an operation to its caller: first a concurrency slot, then the cost budget. */
export function chargeCaller(
  concurrency: CallerConcurrency | undefined,
  budget: CallerBudget | undefined,
): ChargeCost | undefined {
  if (!concurrency && !budget) return undefined;
  return async (request, cost) => {
    await concurrency?.acquire(request, cost);
    await budget?.charge(request, cost);
  };
}
