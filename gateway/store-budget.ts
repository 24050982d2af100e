import { RateLimiterMemory } from 'rate-limiter-flexible';
import { cacheMetrics } from './cache-metrics';

export interface StoreBudgetSettings {
  /** Largest answer the cache keeps (RESPONSE_CACHE_MAX_ANSWER_KB). */
  maxAnswerBytes: number;
  /** Most this gateway stores per minute, all callers together. */
  bytesPerMinute: number;
  /** Most one caller's answers may add per minute: one token cannot fill the cache. */
  callerBytesPerMinute: number;
}

/**
 * Whether an answer may be stored: under the size cap, and within this gateway's and its
 * caller's budgets of bytes per minute. An answer refused is still sent; it is only computed
 * again next time.
 */
export function storeBudget(settings: StoreBudgetSettings) {
  const total = new RateLimiterMemory({ points: settings.bytesPerMinute, duration: 60 });
  const perCaller = new RateLimiterMemory({ points: settings.callerBytesPerMinute, duration: 60 });
  const refuse = (reason: string) => {
    cacheMetrics.storeRefusals.inc({ reason });
    return false;
  };
  return async (caller: string, bytes: number): Promise<boolean> => {
    if (bytes > settings.maxAnswerBytes) return refuse('too-large');
    if (!(await perCaller.consume(caller, bytes).then(Boolean, () => false))) {
      return refuse('caller-budget');
    }
    if (!(await total.consume('all', bytes).then(Boolean, () => false))) {
      return refuse('gateway-budget');
    }
    return true;
  };
}
