import type { Readings } from './cost-probes';
import { percentile, type LoadResult } from './load';

export type TargetKey = 'A' | 'B' | 'C' | 'D' | 'E';

export interface TargetDescription<K extends string = TargetKey> {
  key: K;
  label: string;
  /** Name of the probe of the target's gateway process; the floor has none. */
  gatewayProbe?: string;
}

export const SUBGRAPH_PROBES = ['library', 'bpsdm-central', 'bpsdm-regional'] as const;
export const POSTGRES_PROBE = 'PostgreSQL';
export const CLIENT_PROBE = 'load generator';

/** Everything measured for one row (an operation, a rate) on one target, summed over the rounds. */
interface Cell {
  requests: number;
  elapsedMs: number;
  latenciesMs: number[];
  costs: Map<string, { cpuMs: number; allocatedBytes: number; sqlStatements: number }>;
}

export class Results {
  private cells = new Map<string, Cell>();

  add(operation: string, target: string, load: LoadResult, costs: Readings): void {
    const key = `${operation}/${target}`;
    const cell: Cell = this.cells.get(key) ?? {
      requests: 0,
      elapsedMs: 0,
      latenciesMs: [],
      costs: new Map(),
    };
    cell.requests += load.requests;
    cell.elapsedMs += load.elapsedMs;
    for (const latency of load.latenciesMs) cell.latenciesMs.push(latency);
    for (const [probe, counters] of costs) {
      const sum = cell.costs.get(probe) ?? { cpuMs: 0, allocatedBytes: 0, sqlStatements: 0 };
      sum.cpuMs += counters.cpuMs;
      sum.allocatedBytes += counters.allocatedBytes ?? 0;
      sum.sqlStatements += counters.sqlStatements ?? 0;
      cell.costs.set(probe, sum);
    }
    this.cells.set(key, cell);
  }

  private cell(operation: string, target: string): Cell {
    const cell = this.cells.get(`${operation}/${target}`);
    if (!cell || cell.requests === 0)
      throw new Error(`nothing measured for ${operation}/${target}`);
    return cell;
  }

  has(operation: string, target: string): boolean {
    return (this.cells.get(`${operation}/${target}`)?.requests ?? 0) > 0;
  }

  requestsPerSecond(operation: string, target: string): number {
    const cell = this.cell(operation, target);
    return cell.requests / (cell.elapsedMs / 1000);
  }

  latency(operation: string, target: string, fraction: number): number {
    const sorted = [...this.cell(operation, target).latenciesMs].sort((a, b) => a - b);
    return percentile(sorted, fraction);
  }

  /** Per request, from the named probe; undefined when the probe was not read. */
  perRequest(
    operation: string,
    target: string,
    probe: string,
    counter: 'cpuMs' | 'allocatedBytes' | 'sqlStatements',
  ): number | undefined {
    const cell = this.cell(operation, target);
    const sum = cell.costs.get(probe);
    return sum === undefined ? undefined : sum[counter] / cell.requests;
  }
}

/** A figure with `small` decimals below `limit`, `large` from there; — when there is none. */
export const fixed = (value: number | undefined, small: number, large: number, limit = 10) =>
  value === undefined || Number.isNaN(value)
    ? '—'
    : value.toFixed(Math.abs(value) < limit ? small : large);

export function markdownTable(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows]
    .map((row) => `| ${row.join(' | ')} |`)
    .join('\n');
}

/** Throughput and latency of every target, and its ratio to ours with and without cache. */
export function throughputTable(
  results: Results,
  operations: string[],
  targets: TargetDescription[],
): string {
  const rows = operations.flatMap((operation) =>
    targets.map((target) => {
      const rate = results.requestsPerSecond(operation, target.key);
      const sql = SUBGRAPH_PROBES.reduce(
        (sum, probe) =>
          sum + (results.perRequest(operation, target.key, probe, 'sqlStatements') ?? 0),
        0,
      );
      return [
        operation,
        target.label,
        fixed(rate, 1, 0, 100),
        fixed(results.latency(operation, target.key, 0.5), 1, 0),
        fixed(results.latency(operation, target.key, 0.99), 1, 0),
        fixed(rate / results.requestsPerSecond(operation, 'A'), 2, 2),
        fixed(rate / results.requestsPerSecond(operation, 'B'), 2, 2),
        fixed(sql, 1, 1),
      ];
    }),
  );
  const header = [
    'operation',
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    '× A (ours, cache on)',
    '× B (ours, cache off)',
    'SQL statements/req',
  ];
  return markdownTable(header, rows);
}

/** CPU time and V8 heap allocation per request, process by process; a row per operation. */
export function costTable<K extends string>(
  results: Results,
  operations: string[],
  targets: TargetDescription<K>[],
  rowHeader = 'operation',
): string {
  const rows = operations.flatMap((operation) =>
    targets
      .filter((target) => results.has(operation, target.key))
      .map((target) => {
        const per = (probe: string | undefined, counter: 'cpuMs' | 'allocatedBytes') =>
          probe === undefined
            ? undefined
            : results.perRequest(operation, target.key, probe, counter);
        const megabytes = (probe: string | undefined) => {
          const bytes = per(probe, 'allocatedBytes');
          return bytes === undefined ? undefined : bytes / 1e6;
        };
        return [
          operation,
          target.label,
          ...[target.gatewayProbe, ...SUBGRAPH_PROBES, POSTGRES_PROBE, CLIENT_PROBE].map((probe) =>
            fixed(per(probe, 'cpuMs'), 2, 1),
          ),
          ...[target.gatewayProbe, ...SUBGRAPH_PROBES].map((probe) =>
            fixed(megabytes(probe), 2, 1),
          ),
        ];
      }),
  );
  const header = [
    rowHeader,
    'target',
    'CPU ms: gateway',
    'library',
    'bpsdm-central',
    'bpsdm-regional',
    'PostgreSQL',
    'load generator',
    'MB allocated: gateway',
    'library',
    'bpsdm-central',
    'bpsdm-regional',
  ];
  return markdownTable(header, rows);
}
