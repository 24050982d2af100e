import { performance } from 'node:perf_hooks';

/** One unit of work a client waits for: one request, or the floor's whole set of fetches. */
export type Flow = () => Promise<unknown>;

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** Latency of each completed flow, in milliseconds. */
  latenciesMs: number[];
}

/**
 * Closed loop: `connections` clients each run the flow again as soon as the previous one ends,
 * until `durationMs` has passed; then the flows in progress finish, so every counter read after
 * this returns covers exactly the flows counted. The first failure stops the load and rejects.
 */
export async function runLoad(
  flow: Flow,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  let failure: unknown;
  const client = async () => {
    while (failure === undefined && performance.now() < deadline) {
      const begun = performance.now();
      try {
        await flow();
      } catch (error) {
        failure ??= error;
        return;
      }
      latenciesMs.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  if (failure !== undefined) throw failure;
  return { requests: latenciesMs.length, elapsedMs: performance.now() - started, latenciesMs };
}

export function percentile(sortedMs: number[], fraction: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}
