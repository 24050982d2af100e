import { HeaderMap, type ApolloServerPlugin, type GraphQLRequest } from '@apollo/server';
import { intFromEnv, log, type Viewer } from '@coop/common';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { ChargeCost } from './limits';
import { limiterClient, sharedLimiter, type SharedLimiter } from './limiter-store';

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
  /** The same two for anonymous callers (by address); absent: as for tokens. */
  anonymousCostPerWindow?: number;
  anonymousMaxInFlight?: number;
}

export function callerBudgetFromEnv(): CallerBudgetSettings {
  return {
    costPerWindow: intFromEnv('CALLER_COST_PER_MINUTE', 50_000_000),
    windowSeconds: 60,
    redisUrl: process.env.REDIS_URL || undefined,
    redisKeyPrefix: process.env.CALLER_BUDGET_REDIS_PREFIX ?? 'coop:caller-budget:',
    maxInFlight: intFromEnv('CALLER_MAX_IN_FLIGHT', 16),
    anonymousCostPerWindow: intFromEnv('CALLER_COST_PER_MINUTE_ANONYMOUS', 1_000_000),
    anonymousMaxInFlight: intFromEnv('CALLER_MAX_IN_FLIGHT_ANONYMOUS', 1),
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
  // isAnonymous relies on this spelling.
  if (viewer?.authenticated && viewer.subject) {
    return JSON.stringify(['token', viewer.subject, viewer.role, viewer.provinceCode]);
  }
  return JSON.stringify(['address', address ?? 'unknown']);
}

/** Whether a caller key names an address (no valid token). */
export function isAnonymous(caller: string): boolean {
  return !caller.startsWith('["token"');
}

/**
 * Express middleware: names the caller in CALLER_HEADER, and keeps the verified viewer (null
 * for a bad token) in `res.locals.viewer` for the handler, so a request is verified once.
 */
export function callerIdentity(
  verifyToken: (authorization: string | undefined) => Promise<Viewer>,
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const viewer = await verifyToken(req.headers.authorization).catch(() => null);
    res.locals.viewer = viewer;
    req.headers[CALLER_HEADER] = callerKey(viewer, req.ip ?? req.socket.remoteAddress);
    next();
  };
}

export interface CallerBudget {
  /** Charges an operation's cost to its caller; throws RATE_LIMITED (429) when spent. */
  charge: ChargeCost;
  /** The refusal for a caller whose budget is already spent (checked before parsing). */
  spent(caller: string): Promise<GraphQLError | undefined>;
  close(): Promise<void>;
}

function rateLimited(waitMs: number, points: number, settings: CallerBudgetSettings): GraphQLError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return tooMuch(
    `Too much work asked in too little time: each caller may spend a query cost of ${points} per ${settings.windowSeconds} s. Retry in ${seconds} s.`,
    seconds,
  );
}

/** 429 RATE_LIMITED with `retry-after`: every per-caller limit of the gateway answers so. */
export function tooMuch(message: string, seconds: number): GraphQLError {
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
  const tokenPoints = settings.costPerWindow;
  const anonymousPoints = settings.anonymousCostPerWindow ?? tokenPoints;
  if (tokenPoints <= 0 && anonymousPoints <= 0) return undefined;
  const client = settings.redisUrl ? limiterClient(settings.redisUrl, 'caller budget') : undefined;
  const limiterOf = (points: number, keyPrefix: string): SharedLimiter | undefined =>
    points <= 0
      ? undefined
      : sharedLimiter({ points, durationSeconds: settings.windowSeconds, keyPrefix, client });
  const forTokens = limiterOf(tokenPoints, settings.redisKeyPrefix);
  const forAnonymous = limiterOf(anonymousPoints, `${settings.redisKeyPrefix}anonymous:`);
  const limiterFor = (caller: string) =>
    isAnonymous(caller)
      ? { limiter: forAnonymous, points: anonymousPoints }
      : { limiter: forTokens, points: tokenPoints };
  return {
    async charge(request: GraphQLRequest, cost: number) {
      const caller = callerOf(request);
      const { limiter, points: budget } = limiterFor(caller);
      if (!limiter) return;
      // A cost over the whole window could never pass: refused by MAX_QUERY_COST anyway.
      const points = Math.min(Math.max(Math.ceil(cost), 1), budget);
      try {
        await limiter.consume(caller, points);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw rateLimited(rejection.msBeforeNext, budget, settings);
        }
        // The store failed and so did its insurance: let the request through, say so.
        log.warn(`caller budget not checked: ${(rejection as Error).message}`, {
          service: 'gateway',
        });
      }
    },
    async spent(caller: string) {
      const { limiter, points } = limiterFor(caller);
      const state = await limiter?.get(caller).catch(() => null);
      if (!state || state.consumedPoints < points || state.msBeforeNext <= 0) return undefined;
      return rateLimited(state.msBeforeNext, points, settings);
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
  /** The refusal for a caller whose slots are all taken (checked before parsing). */
  full(caller: string): GraphQLError | undefined;
}

/**
 * At most `maxInFlight` computed operations per caller at once. In memory, per gateway: a slot
 * lives as long as one request on one gateway, so nothing needs sharing (decision 11).
 */
export function callerConcurrency(
  settings: Pick<CallerBudgetSettings, 'maxInFlight' | 'anonymousMaxInFlight'>,
): CallerConcurrency | undefined {
  const forTokens = settings.maxInFlight ?? 0;
  const forAnonymous = settings.anonymousMaxInFlight ?? forTokens;
  if (forTokens <= 0 && forAnonymous <= 0) return undefined;
  const maxFor = (caller: string) => (isAnonymous(caller) ? forAnonymous : forTokens);
  const refusal = (maxInFlight: number) =>
    tooMuch(
      `Too many operations at once: each caller may have ${maxInFlight} computed operations in flight. Retry in 1 s.`,
      1,
    );
  const counts = new Map<string, number>();
  // One slot per HTTP request: the operations of a batch share their request's headers (Apollo
  // Server runs them at once), so a batch takes one slot, not one per operation.
  const slots = new WeakMap<object, { caller: string; operations: number }>();
  const holding = new WeakMap<GraphQLRequest, object>();
  const release = (request: GraphQLRequest) => {
    const anchor = holding.get(request);
    const slot = anchor && slots.get(anchor);
    holding.delete(request);
    if (!anchor || !slot) return;
    slot.operations -= 1;
    if (slot.operations > 0) return;
    slots.delete(anchor);
    const left = (counts.get(slot.caller) ?? 1) - 1;
    if (left > 0) counts.set(slot.caller, left);
    else counts.delete(slot.caller);
  };
  return {
    async acquire(request: GraphQLRequest) {
      if (holding.has(request)) return;
      const anchor: object = request.http?.headers ?? request;
      const shared = slots.get(anchor);
      if (shared) {
        shared.operations += 1;
        holding.set(request, anchor);
        return;
      }
      const caller = callerOf(request);
      const count = counts.get(caller) ?? 0;
      const maxInFlight = maxFor(caller);
      if (maxInFlight <= 0) return;
      if (count >= maxInFlight) throw refusal(maxInFlight);
      counts.set(caller, count + 1);
      slots.set(anchor, { caller, operations: 1 });
      holding.set(request, anchor);
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
    full(caller: string) {
      const maxInFlight = maxFor(caller);
      const count = counts.get(caller) ?? 0;
      return maxInFlight > 0 && count >= maxInFlight ? refusal(maxInFlight) : undefined;
    },
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

/**
 * Refuses, before Apollo Server parses anything, a computed request whose caller has all its
 * slots taken or its budget spent: a flood that ignores `retry-after` costs the gateway little.
 * The cost plugin still checks (and charges) every operation that gets through.
 */
export function admission(
  concurrency: CallerConcurrency | undefined,
  budget: CallerBudget | undefined,
): ((caller: string) => Promise<GraphQLError | undefined>) | undefined {
  if (!concurrency && !budget) return undefined;
  return async (caller) => concurrency?.full(caller) ?? (await budget?.spent(caller));
}

/**
 * Express middleware: a caller whose cost budget is spent is refused (429) before its request
 * is read or analysed, whatever it asks, cache hits included, until its window ends. A flood
 * that ignores `retry-after` then costs the gateway almost nothing (bench/README.md, the flood).
 */
export function refuseSpentCallers(budget: CallerBudget | undefined) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const caller = req.headers[CALLER_HEADER];
    const refusal = budget && typeof caller === 'string' ? await budget.spent(caller) : undefined;
    if (!refusal) {
      next();
      return;
    }
    const { http, ...extensions } = refusal.extensions as {
      http?: { status?: number; headers?: Iterable<[string, string]> };
    } & Record<string, unknown>;
    for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
    res.setHeader('cache-control', 'no-store');
    res.status(http?.status ?? 429).json({ errors: [{ message: refusal.message, extensions }] });
  };
}
