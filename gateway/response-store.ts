import { log } from '@coop/common';
import { ErrorReply } from '@redis/client';
import { LRUCache } from 'lru-cache';
import { cacheMetrics } from './cache-metrics';
import { guardedRedis, REDIS_CONNECT_TIMEOUT_MS } from './redis-client';

/** A stored answer: the response body exactly as it was sent, and when it was computed. */
export interface StoredAnswer {
  body: string;
  contentType: string;
  storedAt: number;
}

export interface Lookup {
  /** The answer, when one was stored after the last write to every subgraph it read. */
  answer?: StoredAnswer;
  /**
   * What the subgraphs' write generations were at lookup time: a fresh answer is stored under
   * it, and requests in flight with the same stamp may share one computation. Null: the store
   * cannot vouch for freshness now (Redis slow or away, a write not yet recorded): compute,
   * store nothing.
   */
  stamp: string | null;
}

export type StoreState = 'ok' | 'degraded';

/**
 * Where the gateway keeps whole answers. Every subgraph has a write generation that each
 * mutation through the graph advances before its response is sent; an answer is stored with
 * the generations of the subgraphs it read and is served only while they are unchanged
 * (docs/decisions/0010, 0020).
 */
export interface ResponseStore {
  lookup(key: string, subgraphs: readonly string[]): Promise<Lookup>;
  /** Best effort, never awaited by a response: a failed save costs a later miss. */
  save(key: string, stamp: string, answer: StoredAnswer, ttlSeconds: number): Promise<void>;
  /**
   * Advances the generations of the subgraphs a write may have changed. Resolves once that is
   * recorded where every gateway reads it, however long Redis takes to come back: the write's
   * response waits for it, so that no gateway serves an answer the write made stale.
   */
  invalidate(subgraphs: readonly string[]): Promise<void>;
  state(): StoreState;
  close(): Promise<void>;
  /** Settles once the store can be used, or has been found away. */
  started: Promise<void>;
}

/** One process's cache: bounded in bytes, least recently used answers go first. */
export function memoryStore(maxBytes: number): ResponseStore {
  const generations = new Map<string, number>();
  const entries = new LRUCache<string, StoredAnswer & { stamp: string }>({
    maxSize: maxBytes,
    sizeCalculation: (entry) => Math.max(1, entry.body.length),
    ttlAutopurge: false,
  });
  const stampOf = (subgraphs: readonly string[]) =>
    subgraphs.map((s) => generations.get(s) ?? 0).join(',');
  return {
    started: Promise.resolve(),
    state: () => 'ok',
    async lookup(key, subgraphs) {
      const stamp = stampOf(subgraphs);
      const entry = entries.get(key);
      if (entry?.stamp !== stamp) return { stamp };
      const { body, contentType, storedAt } = entry;
      return { answer: { body, contentType, storedAt }, stamp };
    },
    async save(key, stamp, answer, ttlSeconds) {
      if (answer.body.length > maxBytes / 4) return;
      const { body, contentType, storedAt } = answer;
      entries.set(key, { body, contentType, storedAt, stamp }, { ttl: ttlSeconds * 1000 });
    },
    async invalidate(subgraphs) {
      for (const subgraph of subgraphs) {
        generations.set(subgraph, (generations.get(subgraph) ?? 0) + 1);
      }
    },
    async close() {
      entries.clear();
    },
  };
}

/**
 * Advances generations even when Redis is full (`allow-oom`): an answer that cannot be stored
 * costs a miss, a generation that cannot advance would cost wrong data.
 */
const ADVANCE_GENERATIONS = `#!lua flags=allow-oom
for _, key in ipairs(KEYS) do redis.call('INCR', key) end
return #KEYS`;

const isOutOfMemory = (error: unknown) =>
  error instanceof ErrorReply && error.message.startsWith('OOM');

/** How often a gateway retries recording a write that Redis could not take. */
const RETRY_INVALIDATION_MS = 200;

/**
 * A cache shared by every gateway instance through Redis. One round trip per lookup reads the
 * subgraphs' generations and the answer together. An answer's stamp holds the Redis server's
 * run id as well as the generations, so a Redis that restarts (from a snapshot, or a replica
 * promoted) serves none of the answers it held before. Redis is asked behind a circuit breaker
 * (redis-client.ts): while it is slow or away, answers are computed and nothing is stored.
 * A joining gateway changes nothing in Redis: only a write advances generations, and a write
 * that Redis cannot take is retried until it is recorded, its response waiting meanwhile.
 */
export function redisStore(
  url: string,
  prefix = 'coop:response-cache:',
  options: { commandTimeoutMs?: number } = {},
): ResponseStore {
  const generationKey = (subgraph: string) => `${prefix}generation:${subgraph}`;
  const entryKey = (key: string) => `${prefix}answer:${key}`;
  const redis = guardedRedis(url, 'response cache', { ...options, isExpected: isOutOfMemory });
  const { client } = redis;
  /** The server's run id: known only while connected to the server it names. */
  let runId: string | undefined;
  /**
   * Subgraphs whose advance Redis has not taken yet (with the latest write's ticket), and the
   * writes waiting for it. A write is answered only after an advance sent after it was asked
   * for: one sent earlier may have run in Redis before the write committed.
   */
  const pending = new Map<string, number>();
  let waiting: { ticket: number; resolve: () => void }[] = [];
  let tickets = 0;
  let flushing = false;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = async (): Promise<void> => {
    if (!pending.size || closed || flushing) return;
    flushing = true;
    const upTo = tickets;
    const subgraphs = [...pending.keys()];
    try {
      if (!runId) throw new Error('not connected');
      await redis.timed(() =>
        client.eval(ADVANCE_GENERATIONS, { keys: subgraphs.map(generationKey) }),
      );
      for (const subgraph of subgraphs) {
        if ((pending.get(subgraph) ?? 0) <= upTo) pending.delete(subgraph);
      }
      const done = waiting.filter((write) => write.ticket <= upTo);
      waiting = waiting.filter((write) => write.ticket > upTo);
      for (const write of done) write.resolve();
      if (retry) log.info('response cache: the waiting writes are recorded');
      clearTimeout(retry);
      retry = undefined;
    } catch (error) {
      cacheMetrics.invalidationFailures.inc();
      if (!retry) {
        log.error('response cache: a write could not refresh the cached answers yet; retrying', {
          reason: String(error),
          subgraphs,
        });
      }
      clearTimeout(retry);
      retry = setTimeout(() => void flush(), RETRY_INVALIDATION_MS);
      return;
    } finally {
      flushing = false;
    }
    void flush();
  };

  const forget = () => (runId = undefined);
  client.on('error', forget);
  client.on('end', forget);
  client.on('reconnecting', forget);
  let joined: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (joined = resolve));
  // Redis away at start: serve uncached after one connection attempt's time, retrying behind.
  setTimeout(() => joined(), REDIS_CONNECT_TIMEOUT_MS + 500).unref();
  client.on('ready', () => {
    redis
      .timed(() => client.info('server'))
      .then((info) => {
        runId = /run_id:(\w+)/.exec(info)?.[1];
        return flush();
      })
      .catch(() => undefined)
      .finally(joined);
  });

  const bypass = (reason: string): Lookup => {
    cacheMetrics.bypasses.inc({ reason });
    return { stamp: null };
  };

  return {
    started,
    state: () => (runId && redis.healthy() && !pending.size ? 'ok' : 'degraded'),
    async lookup(key, subgraphs) {
      const server = runId;
      if (!server) return bypass('redis-away');
      if (pending.size) return bypass('write-not-recorded');
      let values: (string | null)[];
      try {
        values = await redis.guard(() =>
          client.mGet([...subgraphs.map(generationKey), entryKey(key)]),
        );
      } catch {
        return bypass('redis-away');
      }
      // A reconnection meanwhile may have reached another server: its generations mean nothing.
      if (runId !== server || pending.size) return bypass('redis-away');
      const generations = values.slice(0, subgraphs.length).map((value) => Number(value ?? 0));
      const stamp = `${server}:${generations.join(',')}`;
      const stored = values[subgraphs.length];
      if (typeof stored !== 'string') return { stamp };
      const newline = stored.indexOf('\n');
      const [storedStamp, storedAt, contentType] = stored.slice(0, newline).split('|');
      if (storedStamp !== stamp) return { stamp };
      return {
        answer: {
          body: stored.slice(newline + 1),
          contentType: contentType || 'application/json; charset=utf-8',
          storedAt: Number(storedAt),
        },
        stamp,
      };
    },
    async save(key, stamp, answer, ttlSeconds) {
      if (!runId || !stamp.startsWith(`${runId}:`) || pending.size) return;
      const value = `${stamp}|${answer.storedAt}|${answer.contentType}\n${answer.body}`;
      await redis
        .guard(() => client.set(entryKey(key), value, { PX: ttlSeconds * 1000 }))
        .catch(() => cacheMetrics.storeRefusals.inc({ reason: 'redis' }));
    },
    invalidate(subgraphs) {
      if (!subgraphs.length) return Promise.resolve();
      const ticket = ++tickets;
      for (const subgraph of subgraphs) pending.set(subgraph, ticket);
      const recorded = new Promise<void>((resolve) => waiting.push({ ticket, resolve }));
      void flush();
      return recorded;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      for (const write of waiting.splice(0)) write.resolve();
      runId = undefined;
      await redis.close();
    },
  };
}
