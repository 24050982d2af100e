import { log } from '@coop/common';
import { LRUCache } from 'lru-cache';
import { REDIS_CONNECT_TIMEOUT_MS, redisClient } from './redis-client';

/** A stored answer: the response body exactly as it was sent, and when it was computed. */
export interface StoredAnswer {
  body: string;
  contentType: string;
  storedAt: number;
}

export interface Lookup {
  /** The answer, when one was stored after the last write to every subgraph it read. */
  answer?: StoredAnswer;
  /** The subgraphs' write generations at lookup time: store a fresh answer under these. */
  generations: number[] | null;
}

/**
 * Where the gateway keeps whole answers. Every subgraph has a write generation that each
 * mutation through the graph advances; an answer is stored with the generations of the
 * subgraphs it read and is served only while they are unchanged, so a write makes every
 * answer that read its subgraph fresh on the next request (docs/decisions/0010).
 */
export interface ResponseStore {
  lookup(key: string, subgraphs: readonly string[]): Promise<Lookup>;
  save(
    key: string,
    subgraphs: readonly string[],
    generations: number[],
    answer: StoredAnswer,
    ttlSeconds: number,
  ): Promise<void>;
  /** Called after every mutation, whatever its outcome, with the subgraphs it wrote to. */
  invalidate(subgraphs: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /**
   * Settles once the store can be used, or has been found away: a gateway serves nothing before,
   * so that joining a shared cache (which refreshes every generation) never drops answers that
   * it has itself just stored.
   */
  started: Promise<void>;
}

const sameGenerations = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((value, index) => value === b[index]);

/** One process's cache: bounded in bytes, least recently used answers go first. */
export function memoryStore(maxBytes: number): ResponseStore {
  const generations = new Map<string, number>();
  const entries = new LRUCache<string, StoredAnswer & { generations: number[] }>({
    maxSize: maxBytes,
    sizeCalculation: (entry) => Math.max(1, entry.body.length),
    ttlAutopurge: false,
  });
  const current = (subgraphs: readonly string[]) => subgraphs.map((s) => generations.get(s) ?? 0);
  return {
    started: Promise.resolve(),
    async lookup(key, subgraphs) {
      const now = current(subgraphs);
      const entry = entries.get(key);
      if (entry && sameGenerations(entry.generations, now)) {
        const { body, contentType, storedAt } = entry;
        return { answer: { body, contentType, storedAt }, generations: now };
      }
      return { generations: now };
    },
    async save(key, _subgraphs, stamped, answer, ttlSeconds) {
      if (answer.body.length > maxBytes / 4) return;
      const { body, contentType, storedAt } = answer;
      entries.set(
        key,
        { body, contentType, storedAt, generations: stamped },
        { ttl: ttlSeconds * 1000 },
      );
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
 * A cache shared by every gateway instance through Redis. One round trip per lookup reads the
 * subgraphs' generations and the answer together. While Redis is unreachable the gateway answers
 * uncached; when it is back, every generation advances once, because a write made meanwhile
 * could not say so.
 */
export function redisStore(
  url: string,
  allSubgraphs: readonly string[],
  prefix = 'coop:response-cache:',
): ResponseStore {
  const generationKey = (subgraph: string) => `${prefix}generation:${subgraph}`;
  const entryKey = (key: string) => `${prefix}answer:${key}`;
  const client = redisClient(url);
  let ready = false;
  client.on('error', (error: unknown) => {
    if (ready) log.warn('response cache: Redis unavailable', { reason: String(error) });
    ready = false;
  });
  let joined: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (joined = resolve));
  // Redis away at start: serve uncached after one connection attempt's time, retrying behind.
  setTimeout(() => joined(), REDIS_CONNECT_TIMEOUT_MS + 500).unref();
  client.on('ready', () => {
    ready = true;
    void Promise.all(allSubgraphs.map((subgraph) => client.incr(generationKey(subgraph))))
      .catch(() => undefined)
      .then(joined);
  });
  client.connect().catch((error: unknown) => {
    log.warn('response cache: Redis unreachable at start, answering uncached', {
      reason: String(error),
    });
    joined();
  });

  return {
    started,
    async lookup(key, subgraphs) {
      if (!ready) return { generations: null };
      try {
        const values = await client.mGet([...subgraphs.map(generationKey), entryKey(key)]);
        const now = values.slice(0, subgraphs.length).map((value) => Number(value ?? 0));
        const stored = values[subgraphs.length];
        if (typeof stored !== 'string') return { generations: now };
        const newline = stored.indexOf('\n');
        const [stamp, storedAt, contentType] = stored.slice(0, newline).split('|');
        const stamped = stamp ? stamp.split(',').map(Number) : [];
        if (!sameGenerations(stamped, now)) return { generations: now };
        return {
          answer: {
            body: stored.slice(newline + 1),
            contentType: contentType || 'application/json; charset=utf-8',
            storedAt: Number(storedAt),
          },
          generations: now,
        };
      } catch {
        return { generations: null };
      }
    },
    async save(key, _subgraphs, stamped, answer, ttlSeconds) {
      if (!ready) return;
      const header = `${stamped.join(',')}|${answer.storedAt}|${answer.contentType}`;
      const value = `${header}\n${answer.body}`;
      await client.set(entryKey(key), value, { PX: ttlSeconds * 1000 }).catch(() => undefined);
    },
    async invalidate(subgraphs) {
      try {
        await Promise.all(subgraphs.map((subgraph) => client.incr(generationKey(subgraph))));
      } catch (error) {
        // The next reconnection advances every generation (see 'ready' above).
        log.error('response cache: a write could not invalidate cached answers', {
          reason: String(error),
        });
      }
    },
    async close() {
      ready = false;
      await client.close().catch(() => undefined);
    },
  };
}
