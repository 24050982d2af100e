import { log } from '@coop/common';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { redisClient } from './redis-client';

export type LimiterClient = ReturnType<typeof redisClient>;

/**
 * A Redis connection for per-caller limits that every gateway instance shares (@redis/client:
 * node-redis v4+ API); while Redis is away the limiters use their in-memory insurance.
 */
export function limiterClient(url: string, what: string): LimiterClient {
  const client = redisClient(url);
  let ready = false;
  client.on('ready', () => (ready = true));
  client.on('error', (error: unknown) => {
    if (ready) log.warn(`${what}: Redis unavailable`, { reason: String(error) });
    ready = false;
  });
  client.connect().catch(() => undefined);
  return client;
}

/**
 * `points` per `durationSeconds` per key: in memory without a client; with one, in Redis under
 * `keyPrefix` (shared by every gateway), falling back to this gateway's memory while Redis
 * cannot be reached rather than refusing everyone or letting everything through.
 */
export function sharedLimiter(options: {
  points: number;
  durationSeconds: number;
  keyPrefix: string;
  client?: LimiterClient;
}): RateLimiterAbstract {
  const base = { points: options.points, duration: options.durationSeconds };
  const memory = new RateLimiterMemory({ ...base, keyPrefix: options.keyPrefix });
  if (!options.client) return memory;
  return new RateLimiterRedis({
    ...base,
    storeClient: options.client,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    keyPrefix: options.keyPrefix,
    insuranceLimiter: memory,
  });
}
