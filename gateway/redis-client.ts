import { createClient } from '@redis/client';

/** How a connection attempt to Redis may take; the response cache's start waits a bit longer. */
export const REDIS_CONNECT_TIMEOUT_MS = 2000;

/**
 * A Redis connection for the gateway's shared state (response cache, callers' limits). It never
 * queues commands while Redis is away, so each user falls back at once (uncached answers,
 * in-memory limits), and it reconnects behind, at most every 2 s.
 */
export function redisClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries) => Math.min(retries * 200, 2000),
    },
  });
}
