import { log } from '@coop/common';
import { ErrorReply } from '@redis/client';
import { LRUCache } from 'lru-cache';
import { cacheMetrics } from './cache-metrics';
import type { Versions } from './change-reports';
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
  /**
   * How many writes the store had recorded at lookup time (with the stamp's server): two
   * requests that saw the same count saw no write recorded between them, so the later may share
   * the earlier's computation. Null when the stamp is.
   */
  writes: string | null;
}

export type StoreState = 'ok' | 'degraded';

/** What a write changed: versions of partitions, and subgraphs written where nothing said what. */
export interface Change {
  subgraphs: readonly string[];
  versions: Versions;
}

/**
 * Where the gateway keeps whole answers. An answer is stored with the generations of the
 * subgraphs it read and the versions of the partitions the subgraphs said it read, and is served
 * only while all of them are unchanged. Before a write's response is sent, the versions it left
 * are recorded, and the generation of every subgraph it wrote without saying what is advanced
 * (docs/decisions/0010, 0021, 0022).
 */
export interface ResponseStore {
  lookup(key: string, subgraphs: readonly string[]): Promise<Lookup>;
  /**
   * Best effort, never awaited by a response: a failed save costs a later miss. `reads`: the
   * versions the answer was read at (a version the store has not seen yet is raised to them).
   */
  save(
    key: string,
    stamp: string,
    answer: StoredAnswer,
    ttlSeconds: number,
    reads: Versions,
  ): Promise<void>;
  /**
   * Records what a write changed. Resolves once that is recorded where every gateway reads it,
   * however long Redis takes to come back: the write's response waits for it, so that no
   * gateway serves an answer the write made stale.
   */
  invalidate(change: Change): Promise<void>;
  state(): StoreState;
  close(): Promise<void>;
  /** Settles once the store can be used, or has been found away. */
  started: Promise<void>;
}

/** One process's cache: bounded in bytes, least recently used answers go first. */
export function memoryStore(maxBytes: number): ResponseStore {
  const generations = new Map<string, number>();
  const versions = new Map<string, number>();
  let writes = 0;
  const raise = (raised: Versions) => {
    for (const [partition, version] of raised) {
      if ((versions.get(partition) ?? -1) < version) versions.set(partition, version);
    }
  };
  const current = (reads: Versions) =>
    [...reads].every(([partition, version]) => versions.get(partition) === version);
  const entries = new LRUCache<string, StoredAnswer & { stamp: string; reads: Versions }>({
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
      const seen = { stamp, writes: String(writes) };
      const entry = entries.get(key);
      if (entry?.stamp !== stamp || !current(entry.reads)) return seen;
      const { body, contentType, storedAt } = entry;
      return { answer: { body, contentType, storedAt }, ...seen };
    },
    async save(key, stamp, answer, ttlSeconds, reads) {
      raise(reads);
      if (answer.body.length > maxBytes / 4) return;
      const { body, contentType, storedAt } = answer;
      entries.set(key, { body, contentType, storedAt, stamp, reads }, { ttl: ttlSeconds * 1000 });
    },
    async invalidate(change) {
      writes += 1;
      for (const subgraph of change.subgraphs) {
        generations.set(subgraph, (generations.get(subgraph) ?? 0) + 1);
      }
      raise(change.versions);
    },
    async close() {
      entries.clear();
    },
  };
}

/** Lua: sets a partition's version to `version` unless Redis holds a higher one already. */
const RAISE_VERSION = `local function raise(key, version)
  if tonumber(redis.call('GET', key) or '-1') < tonumber(version) then
    redis.call('SET', key, version)
  end
end`;

/**
 * Records a write even when Redis is full (`allow-oom`): an answer that cannot be stored costs
 * a miss, a generation or a version that cannot advance would cost wrong data. KEYS: the
 * generations to advance (ARGV[1] of them), the versions to raise to ARGV[2…], and last the
 * count of writes recorded.
 */
const RECORD_WRITE = `#!lua flags=allow-oom
${RAISE_VERSION}
redis.call('INCR', KEYS[#KEYS])
local generations = tonumber(ARGV[1])
for i = 1, generations do redis.call('INCR', KEYS[i]) end
for i = generations + 1, #KEYS - 1 do raise(KEYS[i], ARGV[i - generations + 1]) end
return #KEYS`;

/**
 * Stores an answer (KEYS[1] = ARGV[1] for ARGV[2] ms) and raises the versions it was read at
 * (KEYS[2…] to ARGV[3…]) where Redis has older ones: a Redis that has not seen a partition's
 * version yet (new, or restarted) serves answers read at it. Never lowers one.
 */
const SAVE_ANSWER = `
${RAISE_VERSION}
for i = 2, #KEYS do raise(KEYS[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** An answer's line of versions read: `partition=version,…` (partitions hold no `,` or `|`). */
const formatReads = (reads: Versions) =>
  [...reads].map(([partition, version]) => `${partition}=${version}`).join(',');

function parseReads(line: string | undefined): [string, number][] {
  if (!line) return [];
  return line.split(',').map((part) => {
    const equals = part.lastIndexOf('=');
    return [part.slice(0, equals), Number(part.slice(equals + 1))];
  });
}

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
  const versionKey = (partition: string) => `${prefix}version:${partition}`;
  const writesKey = `${prefix}writes`;
  const entryKey = (key: string) => `${prefix}answer:${key}`;
  const redis = guardedRedis(url, 'response cache', { ...options, isExpected: isOutOfMemory });
  const { client } = redis;
  /** The server's run id: known only while connected to the server it names. */
  let runId: string | undefined;
  /**
   * Subgraphs whose advance and partitions whose version Redis has not taken yet (with the
   * latest write's ticket), and the writes waiting for it. A write is answered only after a
   * record sent after it was asked for: one sent earlier may have run before it committed.
   */
  const pending = new Map<string, number>();
  const pendingVersions = new Map<string, { version: number; ticket: number }>();
  const somethingPending = () => pending.size > 0 || pendingVersions.size > 0;
  let waiting: { ticket: number; resolve: () => void }[] = [];
  let tickets = 0;
  let flushing = false;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = async (): Promise<void> => {
    if (!somethingPending() || closed || flushing) return;
    flushing = true;
    const upTo = tickets;
    const subgraphs = [...pending.keys()];
    const raised = [...pendingVersions];
    try {
      if (!runId) throw new Error('not connected');
      await redis.timed(() =>
        client.eval(RECORD_WRITE, {
          keys: [
            ...subgraphs.map(generationKey),
            ...raised.map(([partition]) => versionKey(partition)),
            writesKey,
          ],
          arguments: [
            String(subgraphs.length),
            ...raised.map(([, { version }]) => String(version)),
          ],
        }),
      );
      for (const subgraph of subgraphs) {
        if ((pending.get(subgraph) ?? 0) <= upTo) pending.delete(subgraph);
      }
      for (const [partition] of raised) {
        if ((pendingVersions.get(partition)?.ticket ?? 0) <= upTo)
          pendingVersions.delete(partition);
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
          partitions: raised.length,
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
    return { stamp: null, writes: null };
  };

  return {
    started,
    state: () => (runId && redis.healthy() && !somethingPending() ? 'ok' : 'degraded'),
    async lookup(key, subgraphs) {
      const server = runId;
      if (!server) return bypass('redis-away');
      if (somethingPending()) return bypass('write-not-recorded');
      let values: (string | null)[];
      try {
        values = await redis.guard(() =>
          client.mGet([...subgraphs.map(generationKey), writesKey, entryKey(key)]),
        );
      } catch {
        return bypass('redis-away');
      }
      // A reconnection meanwhile may have reached another server: its generations mean nothing.
      if (runId !== server || somethingPending()) return bypass('redis-away');
      const generations = values.slice(0, subgraphs.length).map((value) => Number(value ?? 0));
      const stamp = `${server}:${generations.join(',')}`;
      const seen = { stamp, writes: `${server}:${values[subgraphs.length] ?? 0}` };
      const stored = values[subgraphs.length + 1];
      if (typeof stored !== 'string') return seen;
      const newline = stored.indexOf('\n');
      const [storedStamp, storedAt, contentType, readLine] = stored.slice(0, newline).split('|');
      if (storedStamp !== stamp) return seen;
      const reads = parseReads(readLine);
      if (reads.length) {
        let current: (string | null)[];
        try {
          current = await redis.guard(() =>
            client.mGet(reads.map(([partition]) => versionKey(partition))),
          );
        } catch {
          return bypass('redis-away');
        }
        if (runId !== server || somethingPending()) return bypass('redis-away');
        if (reads.some(([, version], i) => current[i] === null || Number(current[i]) !== version)) {
          return seen;
        }
      }
      return {
        answer: {
          body: stored.slice(newline + 1),
          contentType: contentType || 'application/json; charset=utf-8',
          storedAt: Number(storedAt),
        },
        ...seen,
      };
    },
    async save(key, stamp, answer, ttlSeconds, reads) {
      if (!runId || !stamp.startsWith(`${runId}:`) || somethingPending()) return;
      const header = `${stamp}|${answer.storedAt}|${answer.contentType}|${formatReads(reads)}`;
      await redis
        .guard(() =>
          client.eval(SAVE_ANSWER, {
            keys: [entryKey(key), ...[...reads.keys()].map(versionKey)],
            arguments: [
              `${header}\n${answer.body}`,
              String(ttlSeconds * 1000),
              ...[...reads.values()].map(String),
            ],
          }),
        )
        .catch(() => cacheMetrics.storeRefusals.inc({ reason: 'redis' }));
    },
    invalidate({ subgraphs, versions }) {
      if (!subgraphs.length && !versions.size) return Promise.resolve();
      const ticket = ++tickets;
      for (const subgraph of subgraphs) pending.set(subgraph, ticket);
      for (const [partition, version] of versions) {
        const known = pendingVersions.get(partition)?.version ?? -1;
        pendingVersions.set(partition, { version: Math.max(known, version), ticket });
      }
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
