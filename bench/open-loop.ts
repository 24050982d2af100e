import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Arrival<T> {
  /** From the time the request was scheduled to its answer: waiting to be sent counts. */
  latencyMs: number;
  /** How late the generator sent it after its scheduled time. */
  sendLagMs: number;
  outcome: T;
}

export interface OpenLoopResult<T> {
  arrivals: Arrival<T>[];
  /** From the start to the last answer. */
  elapsedMs: number;
}

/**
 * Open loop: requests arrive as a Poisson process of `ratePerSecond` for `durationMs`, whatever
 * the answers (a slow target is not sent less, as a closed loop would), and each latency runs
 * from the request's scheduled time, so a generator or target that falls behind shows in it
 * (no coordinated omission). Then the requests in flight finish. `issue` must not reject: it
 * turns every failure into an outcome.
 */
export async function runOpenLoop<T>(
  ratePerSecond: number,
  durationMs: number,
  issue: () => Promise<T>,
): Promise<OpenLoopResult<T>> {
  const arrivals: Arrival<T>[] = [];
  const inFlight: Promise<void>[] = [];
  const gapMs = () => (-Math.log(1 - Math.random()) / ratePerSecond) * 1000;
  const started = performance.now();
  const end = started + durationMs;
  let scheduled = started + gapMs();
  while (scheduled < end) {
    const wait = scheduled - performance.now();
    if (wait > 0) await sleep(wait);
    // Every request due by now goes out at once: timers fire late on a busy machine.
    while (scheduled < end && scheduled <= performance.now()) {
      const at = scheduled;
      const sendLagMs = performance.now() - at;
      inFlight.push(
        issue().then((outcome) => {
          arrivals.push({ latencyMs: performance.now() - at, sendLagMs, outcome });
        }),
      );
      scheduled += gapMs();
    }
  }
  await Promise.all(inFlight);
  return { arrivals, elapsedMs: performance.now() - started };
}
