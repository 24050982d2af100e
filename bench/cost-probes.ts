import fs from 'node:fs/promises';
import type { ProcessStats } from '@coop/common';

/** Cumulative counters of one process (or group of processes); a slice's cost is a difference. */
export interface Counters {
  cpuMs: number;
  /** For a group of processes: each one's CPU ms, so that one that exits costs nothing. */
  cpuMsByPid?: Map<string, number>;
  allocatedBytes?: number;
  sqlStatements?: number;
}

export interface Probe {
  name: string;
  read(): Promise<Counters>;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** A Node process serving the debug router (packages/common/src/debug-stats.ts) at `baseUrl`. */
export function debugEndpointProbe(name: string, baseUrl: string, countsSql = false): Probe {
  return {
    name,
    async read() {
      const stats = await getJson<ProcessStats>(`${baseUrl}/debug/process`);
      const sql = countsSql
        ? (await getJson<{ count: number }>(`${baseUrl}/debug/sql-statements`)).count
        : undefined;
      return {
        cpuMs: stats.cpuUserMs + stats.cpuSystemMs,
        allocatedBytes: stats.allocatedBytes,
        sqlStatements: sql,
      };
    },
  };
}

/** The load generator itself: what the client costs the shared machine. */
export function ownProcessProbe(name: string): Probe {
  return {
    name,
    async read() {
      const cpu = process.cpuUsage();
      return { cpuMs: (cpu.user + cpu.system) / 1000 };
    },
  };
}

// /proc reports CPU time in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ.
const MS_PER_TICK = 10;

async function cpuMsOf(pid: string): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/**
 * PostgreSQL's backends serving `database` (found by the title PostgreSQL gives each backend
 * process), summed per backend. A backend that exits during a slice takes its CPU time with
 * it, so the figure may err low (never below zero); the pools keep their connections under load.
 */
export function postgresBackendsProbe(name: string, database: string): Probe {
  return {
    name,
    async read() {
      const cpuMsByPid = new Map<string, number>();
      for (const pid of (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
        try {
          const title = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
          if (title.startsWith('postgres:') && title.includes(` ${database} `)) {
            cpuMsByPid.set(pid, await cpuMsOf(pid));
          }
        } catch {
          // the process ended while being read
        }
      }
      let cpuMs = 0;
      for (const ms of cpuMsByPid.values()) cpuMs += ms;
      return { cpuMs, cpuMsByPid };
    },
  };
}

export type Readings = Map<string, Counters>;

export async function readAll(probes: Probe[]): Promise<Readings> {
  const entries = await Promise.all(
    probes.map(async (probe) => [probe.name, await probe.read()] as const),
  );
  return new Map(entries);
}

/** What the processes alive at the end used since the start (new ones: all their time). */
function groupCpuMs(start: Counters, end: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of end) total += ms - (start.cpuMsByPid?.get(pid) ?? 0);
  return total;
}

/** after − before, probe by probe. */
export function difference(before: Readings, after: Readings): Readings {
  const result: Readings = new Map();
  for (const [name, end] of after) {
    const start = before.get(name);
    if (!start) continue;
    const minus = (a?: number, b?: number) =>
      a === undefined || b === undefined ? undefined : a - b;
    result.set(name, {
      cpuMs: end.cpuMsByPid ? groupCpuMs(start, end.cpuMsByPid) : end.cpuMs - start.cpuMs,
      allocatedBytes: minus(end.allocatedBytes, start.allocatedBytes),
      sqlStatements: minus(end.sqlStatements, start.sqlStatements),
    });
  }
  return result;
}
