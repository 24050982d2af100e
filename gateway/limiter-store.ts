import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { guardedRedis, type GuardedRedis } from './redis-client';

/** What the gateway's limits ask of a limiter. */
export type SharedLimiter = Pick<RateLimiterAbstract, 'consume' | 'get'>;

/**
 * A Redis connection for per-caller limits that every gateway instance shares; a limiter's
 * refusal says nothing about Redis's health.
 */
export function limiterClient(url: string, what: string): GuardedRedis {
  return guardedRedis(url, what, { isExpected: (error) => error instanceof RateLimiterRes });
}

/**
 * `points` per `durationSeconds` per key: in memory without a client; with one, in Redis under
 * `keyPrefix` (shared by every gateway), falling back to this gateway's memory while Redis
 * is slow or away (its breaker open) rather than refusing everyone, letting everything through
 * or making every caller wait.
 */
export function sharedLimiter(options: {
  points: number;
  durationSeconds: number;
  keyPrefix: string;
  client?: GuardedRedis;
}): SharedLimiter {
  const base = { points: options.points, duration: options.durationSeconds };
  const memory = new RateLimiterMemory({ ...base, keyPrefix: options.keyPrefix });
  const redis = options.client;
  if (!redis) return memory;
  const shared = new RateLimiterRedis({
    ...base,
    storeClient: redis.client,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    keyPrefix: options.keyPrefix,
  });
  const either = async <T>(inRedis: () => Promise<T>, inMemory: () => Promise<T>) => {
    try {
      return await redis.guard(inRedis);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      return inMemory();
    }
  };
  return {
    consume: (key, points, options) =>
      either(
        () => shared.consume(key, points, options),
        () => memory.consume(key, points, options),
      ),
    get: (key, options) =>
      either(
        () => shared.get(key, options),
        () => memory.get(key, options),
      ),
  };
}
