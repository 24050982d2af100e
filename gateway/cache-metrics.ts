import { metrics } from '@coop/common';
import { Counter } from 'prom-client';

/** What the response cache could not do, for /metrics: each is a miss, never a wrong answer. */
export const cacheMetrics = {
  bypasses: new Counter({
    name: 'gateway_response_cache_bypasses_total',
    help: 'Cacheable requests computed without asking the shared cache, by reason (redis-away, write-not-recorded)',
    labelNames: ['reason'] as const,
    registers: [metrics],
  }),
  invalidationFailures: new Counter({
    name: 'gateway_response_cache_invalidation_failures_total',
    help: 'Attempts to record a write in the shared cache that failed (each is retried; the write waits)',
    registers: [metrics],
  }),
  storeRefusals: new Counter({
    name: 'gateway_response_cache_store_refusals_total',
    help: 'Answers not stored, by reason (too-large, gateway-budget, caller-budget, redis)',
    labelNames: ['reason'] as const,
    registers: [metrics],
  }),
};
