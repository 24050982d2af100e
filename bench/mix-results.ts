import type { Readings } from './cost-probes';
import { percentile } from './load';
import { MIX_OPERATIONS, type MixOperation } from './mix-requests';
import { WRITE_NAMES } from './mix-writes';
import type { OpenLoopResult } from './open-loop';
import { fixed, markdownTable, Results, SUBGRAPH_PROBES, type TargetDescription } from './results';

/**
 * ok: a 200 without errors. refused: a refusal the graph documents and the bench expects
 * (429, a per-caller limit), counted apart. failed: anything else, a timeout included.
 */
export type Verdict = 'ok' | 'refused' | 'failed';

export interface MixOutcome {
  operation: MixOperation;
  verdict: Verdict;
  /** Our gateway's `x-cache` header. */
  cacheState?: string;
  /** For a failure: what came back, shortened. */
  problem?: string;
}

export type MixTargetKey = 'memory' | 'redis' | 'off' | 'stock' | 'hive';

export interface MixTarget extends TargetDescription<MixTargetKey> {
  url: string;
  /** Where its gateway serves /debug/process. */
  statsUrl: string;
  gatewayProbe: string;
}

/** The goal a rate must meet on a target to count as sustained. */
export const GOAL = { p99Ms: 250 } as const;

export interface StepSummary {
  offered: number;
  achieved: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  failedShare: number;
  refusedShare: number;
  sendLagP99: number;
  sqlPerRequest: number;
  meetsGoal: boolean;
}

const rowOf = (rate: number) => `${rate} req/s`;

/** Every step of a run (one rate on one target), and what follows from them. */
export class MixResults {
  /** Latency, time and costs per step, in the shape the other bench's tables read. */
  readonly costs = new Results();
  private readonly summaries = new Map<string, StepSummary>();
  private readonly cacheStates = new Map<MixTargetKey, Map<MixOperation, Map<string, number>>>();
  /** Each kind of failure (target and what came back) and how often it happened. */
  readonly failures = new Map<string, number>();

  add(rate: number, target: MixTargetKey, load: OpenLoopResult<MixOutcome>, costs: Readings) {
    const latenciesMs = load.arrivals.map(({ latencyMs }) => latencyMs);
    const requests = latenciesMs.length;
    this.costs.add(
      rowOf(rate),
      target,
      { requests, elapsedMs: load.elapsedMs, latenciesMs },
      costs,
    );
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const lags = load.arrivals.map(({ sendLagMs }) => sendLagMs).sort((a, b) => a - b);
    const count = (verdict: Verdict) =>
      load.arrivals.filter(({ outcome }) => outcome.verdict === verdict).length;
    const states = this.cacheStates.get(target) ?? new Map<MixOperation, Map<string, number>>();
    for (const { outcome } of load.arrivals) {
      if (outcome.problem) {
        const kind = `${target}: ${outcome.problem}`;
        this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
      }
      if (!outcome.cacheState) continue;
      const ofOperation = states.get(outcome.operation) ?? new Map<string, number>();
      ofOperation.set(outcome.cacheState, (ofOperation.get(outcome.cacheState) ?? 0) + 1);
      states.set(outcome.operation, ofOperation);
    }
    this.cacheStates.set(target, states);
    const sql = SUBGRAPH_PROBES.reduce(
      (sum, probe) => sum + (costs.get(probe)?.sqlStatements ?? 0),
      0,
    );
    const failedShare = count('failed') / Math.max(1, requests);
    const p99 = percentile(sorted, 0.99);
    this.summaries.set(`${rate}/${target}`, {
      offered: rate,
      achieved: requests / (load.elapsedMs / 1000),
      requests,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99,
      max: sorted[sorted.length - 1] ?? NaN,
      failedShare,
      refusedShare: count('refused') / Math.max(1, requests),
      sendLagP99: percentile(lags, 0.99),
      sqlPerRequest: sql / Math.max(1, requests),
      meetsGoal: requests > 0 && failedShare === 0 && p99 < GOAL.p99Ms,
    });
  }

  summary(rate: number, target: MixTargetKey): StepSummary | undefined {
    return this.summaries.get(`${rate}/${target}`);
  }

  /** The highest rate measured on the target that met the goal; undefined when none did. */
  highestSustained(rates: number[], target: MixTargetKey): number | undefined {
    return [...rates].reverse().find((rate) => this.summary(rate, target)?.meetsGoal);
  }

  /**
   * Share of the target's answers to the operations (one, or a list: all of them counted
   * together) with this `x-cache`, over every rate.
   */
  cacheShare(
    target: MixTargetKey,
    operations: MixOperation | readonly MixOperation[],
    state: string,
  ): number | undefined {
    const byOperation = this.cacheStates.get(target);
    let all = 0;
    let matching = 0;
    for (const operation of typeof operations === 'string' ? [operations] : operations) {
      for (const [seen, n] of byOperation?.get(operation) ?? []) {
        all += n;
        if (seen === state) matching += n;
      }
    }
    return all ? matching / all : undefined;
  }
}

const percent = (share: number | undefined) =>
  share === undefined ? '—' : `${(100 * share).toFixed(share > 0 && share < 0.01 ? 2 : 0)} %`;

export function stepTable(results: MixResults, rates: number[], targets: MixTarget[]): string {
  const rows = rates.flatMap((rate) =>
    targets.flatMap((target) => {
      const step = results.summary(rate, target.key);
      if (!step) return [];
      return [
        [
          rowOf(rate),
          target.label,
          fixed(step.achieved, 1, 0, 100),
          fixed(step.p50, 1, 0),
          fixed(step.p95, 1, 0),
          fixed(step.p99, 1, 0),
          fixed(step.max, 1, 0),
          percent(step.failedShare),
          percent(step.refusedShare),
          fixed(step.sqlPerRequest, 2, 1),
          fixed(step.sendLagP99, 1, 0),
          step.meetsGoal ? 'yes' : 'no',
        ],
      ];
    }),
  );
  const header = [
    'offered',
    'target',
    'achieved req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'errors',
    'refused',
    'SQL statements/req',
    'send lag p99 ms',
    `p99 < ${GOAL.p99Ms} ms, no errors`,
  ];
  return markdownTable(header, rows);
}

export function sustainedTable(results: MixResults, rates: number[], targets: MixTarget[]) {
  const rows = targets.map((target) => {
    const rate = results.highestSustained(rates, target.key);
    const measured = rates.filter((r) => results.summary(r, target.key)).length;
    return [
      target.label,
      rate === undefined ? 'none of those measured' : `${rate} req/s`,
      `${measured} of ${rates.length}`,
    ];
  });
  return markdownTable(['target', 'highest rate sustained', 'rates measured'], rows);
}

/** Every read of the mix, counted together: the cache's overall hit ratio. */
const ALL_READS = [
  '**all reads**',
  MIX_OPERATIONS.filter((operation) => !(WRITE_NAMES as readonly string[]).includes(operation)),
] as const;

/** Per operation, the share of hits (and of answers shared with a request in flight). */
export function cacheTable(results: MixResults, targets: MixTarget[]): string {
  // Our gateway with its cache off answers `x-cache: off`; the others send no such header.
  const cached = targets.filter((target) => results.cacheShare(target.key, 'MyRuns', 'off') === 0);
  const rows = [
    ...MIX_OPERATIONS.map((operation) => [operation, operation] as const),
    ALL_READS,
  ].map(([label, operation]) => [
    label,
    ...cached.map((target) => {
      const hit = results.cacheShare(target.key, operation, 'hit');
      const shared = results.cacheShare(target.key, operation, 'shared') ?? 0;
      const bypass = results.cacheShare(target.key, operation, 'bypass') ?? 0;
      if (hit === undefined) return '—';
      const extras = [
        shared > 0 ? `${percent(shared)} shared` : '',
        bypass > 0 ? `${percent(bypass)} bypass` : '',
      ].filter(Boolean);
      return `${percent(hit)}${extras.length ? ` (${extras.join(', ')})` : ''}`;
    }),
  ]);
  return markdownTable(['operation', ...cached.map((target) => `hits: ${target.label}`)], rows);
}

export const stepRows = (rates: number[]) => rates.map(rowOf);
