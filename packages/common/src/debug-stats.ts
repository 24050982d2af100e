import v8 from 'node:v8';
import { Router } from 'express';
import type { StatementCounter } from './database';

export interface ProcessStats {
  pid: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** V8 heap bytes allocated since the process started counting (see allocatedHeapBytes). */
  allocatedBytes: number;
  heapUsedBytes: number;
}

/**
 * Node has no cumulative allocation counter. What a process allocated between two garbage
 * collections is the heap in use just before the second minus the heap left after the first, so
 * the sum over every collection, plus the growth since the last one, is what it allocated.
 * V8's GC profiler reports the heap before and after each collection; it is restarted on every
 * read because it only hands its records over when stopped. Memory that concurrent sweeping
 * frees between collections is missed, so the figure errs low, never high.
 */
class AllocationCounter {
  private profiler = new v8.GCProfiler();
  private total = 0;
  private heapAfterLastRead = v8.getHeapStatistics().used_heap_size;

  constructor() {
    this.profiler.start();
  }

  read(): number {
    const { statistics } = this.profiler.stop();
    const heapNow = v8.getHeapStatistics().used_heap_size;
    this.profiler.start();
    let heapAfterPrevious = this.heapAfterLastRead;
    for (const gc of statistics) {
      this.total += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - heapAfterPrevious);
      heapAfterPrevious = gc.afterGC.heapStatistics.usedHeapSize;
    }
    this.total += Math.max(0, heapNow - heapAfterPrevious);
    this.heapAfterLastRead = heapNow;
    return this.total;
  }
}

let allocations: AllocationCounter | undefined;

/** This process's CPU time and allocation so far; starts counting allocation on first call. */
export function processStats(): ProcessStats {
  allocations ??= new AllocationCounter();
  const cpu = process.cpuUsage();
  return {
    pid: process.pid,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    allocatedBytes: allocations.read(),
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
}

/**
 * When `EXPOSE_SQL_STATEMENT_COUNT=1` (tests, the benchmark): `GET /debug/sql-statements`, the
 * SQL statements sent so far (services with a database), and `GET /debug/process`, the
 * process's CPU time and allocation so far. Otherwise an empty router: nothing is exposed.
 */
export function debugStats(counter?: StatementCounter): Router {
  const router = Router();
  if (process.env.EXPOSE_SQL_STATEMENT_COUNT !== '1') return router;
  // Count from start-up, not from the first request for the numbers.
  allocations ??= new AllocationCounter();
  if (counter) {
    router.get('/debug/sql-statements', (_req, res) => {
      res.json({ count: counter.count });
    });
  }
  router.get('/debug/process', (_req, res) => {
    res.json(processStats());
  });
  return router;
}
