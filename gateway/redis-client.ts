import { createClient } from '@redis/client';
import { intFromEnv, log } from '@coop/common';
import CircuitBreaker from 'opossum';

/** How a connection attempt to Redis may take; the response cache's start waits a bit longer. */
export const REDIS_CONNECT_TIMEOUT_MS = 2000;

export type RedisConnection = ReturnType<typeof createConnection>;

function createConnection(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries) => Math.min(retries * 200, 2000),
    },
  });
}

/** A command refused at once because the breaker is open or the connection is down. */
export class RedisUnavailable extends Error {
  constructor(what: string) {
    super(`${what}: Redis is not being asked (unreachable or slow)`);
  }
}

export interface GuardedRedis {
  client: RedisConnection;
  /**
   * Runs Redis commands unless the breaker is open or the connection is down, when it throws
   * RedisUnavailable at once: a slow or absent Redis costs a caller nothing but the fallback.
   */
  guard<T>(commands: () => Promise<T>): Promise<T>;
  /**
   * Runs Redis commands whatever the breaker says (a write's record must keep trying), failing
   * after the command timeout all the same.
   */
  timed<T>(commands: () => Promise<T>): Promise<T>;
  /** False while the breaker is open or the connection is down. */
  healthy(): boolean;
  close(): Promise<void>;
}

export interface GuardOptions {
  /** Longest one command may take before it counts as a failure (REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
  /** How long the breaker stays open before a background probe asks Redis again. */
  resetMs?: number;
  /** Replies that say nothing about Redis's health (a limiter's refusal, OOM on a write). */
  isExpected?: (error: unknown) => boolean;
}

export function redisCommandTimeoutMs(): number {
  return Math.max(1, intFromEnv('REDIS_COMMAND_TIMEOUT_MS', 100));
}

/**
 * A Redis connection for the gateway's shared state (response cache, callers' limits) behind a
 * circuit breaker (opossum). Every command has a short timeout; when more than one in twenty fails
 * within a second the breaker opens, and while it is open nothing asks Redis: a probe in the background (PING, never a
 * caller's request) closes it again once Redis answers. The connection never queues commands
 * while Redis is away and reconnects behind, at most every 2 s.
 */
export function guardedRedis(url: string, what: string, options: GuardOptions = {}): GuardedRedis {
  const commandTimeoutMs = options.commandTimeoutMs ?? redisCommandTimeoutMs();
  const resetMs = options.resetMs ?? 1000;
  const client = createConnection(url);
  // node-redis's own command timeout ends only while a command waits to be written: one that
  // Redis has received and not answered (a stall) would wait for ever.
  const breaker = new CircuitBreaker((commands: () => Promise<unknown>) => commands(), {
    timeout: commandTimeoutMs,
    resetTimeout: resetMs,
    errorThresholdPercentage: 5,
    volumeThreshold: 2,
    rollingCountTimeout: 1000,
    errorFilter: (error: unknown) => options.isExpected?.(error) ?? false,
  });
  let connected = false;
  client.on('ready', () => (connected = true));
  client.on('error', (error: unknown) => {
    if (connected) log.warn(`${what}: Redis unavailable`, { reason: String(error) });
    connected = false;
  });
  breaker.on('open', () => log.warn(`${what}: Redis slow or away, not asking it for now`));
  breaker.on('close', () => log.info(`${what}: Redis answers again`));
  // Half-open: the probe is ours, so that no caller waits on a Redis that may still be stalled.
  breaker.on('halfOpen', () => {
    breaker.fire(() => client.ping()).catch(() => undefined);
  });
  client.connect().catch(() => undefined);
  return {
    client,
    healthy: () => connected && breaker.closed,
    async guard<T>(commands: () => Promise<T>): Promise<T> {
      if (!connected || !breaker.closed) throw new RedisUnavailable(what);
      return breaker.fire(commands) as Promise<T>;
    },
    timed<T>(commands: () => Promise<T>): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisUnavailable(what)), commandTimeoutMs);
      });
      return Promise.race([commands(), late]).finally(() => clearTimeout(timer));
    },
    async close() {
      breaker.shutdown();
      await client.close().catch(() => undefined);
    },
  };
}
