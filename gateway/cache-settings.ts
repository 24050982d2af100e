import { intFromEnv } from '@coop/common';
import type { StoreBudgetSettings } from './store-budget';

/** How the gateway caches and shares work, from the environment. */
export interface CacheSettings extends StoreBudgetSettings {
  /** `RESPONSE_CACHE=off` computes every answer (benchmarks, debugging). */
  enabled: boolean;
  /** Longest an answer is kept: writes through the graph refresh answers sooner. */
  ttlSeconds: number;
  /** Bound of the in-memory cache, in bytes of cached responses. */
  maxBytes: number;
  /** Shares the cache between gateway instances; in memory per instance when unset. */
  redisUrl?: string;
  /** Keeps one graph's answers apart from another's in a shared Redis. */
  redisKeyPrefix: string;
  /** `SUBGRAPH_DEDUP=off` sends identical in-flight subgraph reads separately. */
  subgraphDedup: boolean;
}

function switchFromEnv(variable: string, fallback: boolean): boolean {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new Error(`${variable} must be "on" or "off", got "${raw}"`);
}

const MB = 1024 * 1024;

export function cacheSettingsFromEnv(): CacheSettings {
  return {
    enabled: switchFromEnv('RESPONSE_CACHE', true),
    ttlSeconds: Math.max(1, intFromEnv('RESPONSE_CACHE_TTL_SECONDS', 60)),
    maxBytes: Math.max(1, intFromEnv('RESPONSE_CACHE_MAX_MB', 100)) * MB,
    maxAnswerBytes: Math.max(1, intFromEnv('RESPONSE_CACHE_MAX_ANSWER_KB', 1024)) * 1024,
    bytesPerMinute: Math.max(1, intFromEnv('RESPONSE_CACHE_WRITE_MB_PER_MINUTE', 200)) * MB,
    callerBytesPerMinute: Math.max(1, intFromEnv('RESPONSE_CACHE_CALLER_MB_PER_MINUTE', 10)) * MB,
    redisUrl: process.env.REDIS_URL || undefined,
    redisKeyPrefix: process.env.RESPONSE_CACHE_REDIS_PREFIX || 'coop:response-cache:',
    subgraphDedup: switchFromEnv('SUBGRAPH_DEDUP', true),
  };
}
