/**
 * `npm run bench:mix`: the graph under the traffic of its real users — 38 regional operators
 * (one per province), analysts, admins and anonymous callers, each with a token of its own —
 * sending a mix of the contract's operations and writes with real ids, as an open-loop Poisson
 * process at stepped rates. Each rate is measured on five targets in turn (ours with the
 * response cache in memory, on Redis, off; stock @apollo/gateway; Hive Gateway). Prints and
 * writes to bench/README.md latency percentiles, errors, the highest rate each target sustains,
 * the cache's hit ratio per operation, SQL statements and CPU ms per request. The writes go to
 * a copy of `coop_bench`, dropped at the end. A script, not a test: see bench/README.md.
 *
 * BENCH_MIX_RATES (req/s, default 40,80,120,160,200,240), BENCH_MIX_DURATION (s per rate and
 * target, default 20), BENCH_MIX_WARMUP (s per target at the first rate, default 5),
 * BENCH_MIX_PORT (first of the ports used, default 4300), BENCH_MIX_ANALYSTS (6),
 * BENCH_MIX_ADMINS (3), BENCH_MIX_ANONYMOUS (20), BENCH_MIX_TIMEOUT (s, default 10),
 * REDIS_URL (default redis://127.0.0.1:6379), BENCH_README=0 (do not write bench/README.md).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { intFromEnv } from '@coop/common';
import { ROOT } from '../scripts/lib/processes';
import {
  debugEndpointProbe,
  difference,
  ownProcessProbe,
  postgresBackendsProbe,
  readAll,
  type Probe,
} from './cost-probes';
import { benchDatabase, scratchCopyOfBenchDatabase, seedLarge } from './database';
import { sendMixRequest } from './mix-client';
import { simulatedPopulation, type PopulationSizes } from './mix-population';
import { MIX_OPERATIONS, MIX_SHARES, RequestMix } from './mix-requests';
import {
  cacheTable,
  GOAL,
  MixResults,
  stepRows,
  stepTable,
  sustainedTable,
  type MixOutcome,
  type MixTarget,
  type MixTargetKey,
} from './mix-results';
import { drawSample } from './mix-sample';
import { WriteAllocator } from './mix-writes';
import { runOpenLoop } from './open-loop';
import {
  assertPortsFree,
  benchPorts,
  BenchProcesses,
  ensureHiveGatewayInstalled,
  writeBenchSupergraph,
} from './processes';
import { describeMachine, publishSection, type Machine } from './readme-report';
import { deleteKeysUnder } from './redis-keys';
import { CLIENT_PROBE, costTable, POSTGRES_PROBE, SUBGRAPH_PROBES } from './results';

function ratesFromEnv(): number[] {
  const raw = process.env.BENCH_MIX_RATES || '40,80,120,160,200,240';
  const rates = raw.split(',').map((rate) => Number(rate.trim()));
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) {
    throw new Error(`BENCH_MIX_RATES must be positive numbers, e.g. 40,80,120; got "${raw}"`);
  }
  return [...rates].sort((a, b) => a - b);
}

const settings = {
  rates: ratesFromEnv(),
  durationS: intFromEnv('BENCH_MIX_DURATION', 20),
  warmupS: intFromEnv('BENCH_MIX_WARMUP', 5),
  timeoutMs: intFromEnv('BENCH_MIX_TIMEOUT', 10) * 1000,
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
};
const sizes: PopulationSizes = {
  analysts: intFromEnv('BENCH_MIX_ANALYSTS', 6),
  admins: intFromEnv('BENCH_MIX_ADMINS', 3),
  anonymous: intFromEnv('BENCH_MIX_ANONYMOUS', 20),
};
const ports = benchPorts(intFromEnv('BENCH_MIX_PORT', 4300));
/** This run's own keys in a Redis that others may use too. */
const redisPrefix = `bench-mix:${Date.now()}-${process.pid}:`;

/**
 * Every anonymous caller of the bench comes from one address, which our gateway would take
 * for one caller with one operation in flight at a time; real anonymous callers come from many
 * addresses. The limits themselves are `npm run bench:flood`'s subject.
 */
const ANONYMOUS_AS_MANY_CALLERS: NodeJS.ProcessEnv = {
  CALLER_COST_PER_MINUTE_ANONYMOUS: '0',
  CALLER_MAX_IN_FLIGHT_ANONYMOUS: '0',
};

const MIX_MARKERS = {
  start: '<!-- bench-mix-results:start (written by npm run bench:mix) -->',
  end: '<!-- bench-mix-results:end -->',
};

const local = (port: number) => `http://localhost:${port}`;
const target = (key: MixTargetKey, label: string, port: number, statsPort = port): MixTarget => ({
  key,
  label,
  url: `${local(port)}/graphql`,
  statsUrl: local(statsPort),
  gatewayProbe: `gateway ${key}`,
});
const TARGETS: MixTarget[] = [
  target('memory', 'ours, cache in memory', ports.gateway),
  target('redis', 'ours, cache on Redis', ports.gatewayWithRedisCache),
  target('off', 'ours, cache off', ports.gatewayWithoutCache),
  target('stock', 'stock @apollo/gateway', ports.stockGateway, ports.stockGatewayStats),
  target('hive', 'Hive Gateway', ports.hiveGateway, ports.hiveGatewayStats),
];

function probes(database: string): Probe[] {
  return [
    ...TARGETS.map(({ gatewayProbe, statsUrl }) => debugEndpointProbe(gatewayProbe, statsUrl)),
    ...SUBGRAPH_PROBES.map((name) => debugEndpointProbe(name, local(ports[name]), true)),
    postgresBackendsProbe(POSTGRES_PROBE, database),
    ownProcessProbe(CLIENT_PROBE),
  ];
}

/** One request of every operation to every target: each must answer, or the bench stops. */
async function checkEveryTargetAnswers(mix: RequestMix): Promise<void> {
  for (const target of TARGETS) {
    for (const operation of MIX_OPERATIONS) {
      const outcome = await sendMixRequest(
        target.url,
        mix.requestFor(operation),
        settings.timeoutMs,
      );
      if (outcome.verdict !== 'ok') {
        throw new Error(`${target.label} fails ${operation}: ${outcome.problem ?? 'refused'}`);
      }
    }
  }
}

/**
 * Rate after rate, each target in turn (the first one rotating with the rate). A target that
 * misses the goal at two rates in a row is saturated: higher rates would only queue more.
 */
async function measure(mix: RequestMix, allProbes: Probe[]): Promise<MixResults> {
  const results = new MixResults();
  const issueTo = (target: MixTarget) => () =>
    sendMixRequest(target.url, mix.next(), settings.timeoutMs);
  if (settings.warmupS > 0) {
    console.log(`warming up: ${settings.warmupS} s per target at ${settings.rates[0]} req/s`);
    for (const target of TARGETS) {
      await runOpenLoop(settings.rates[0]!, settings.warmupS * 1000, issueTo(target));
    }
  }
  const misses = new Map<MixTargetKey, number>();
  for (const [index, rate] of settings.rates.entries()) {
    const shift = index % TARGETS.length;
    const order = [...TARGETS.slice(shift), ...TARGETS.slice(0, shift)];
    const line: string[] = [];
    for (const target of order) {
      if ((misses.get(target.key) ?? 0) >= 2) continue;
      const before = await readAll(allProbes);
      const load = await runOpenLoop<MixOutcome>(rate, settings.durationS * 1000, issueTo(target));
      const after = await readAll(allProbes);
      results.add(rate, target.key, load, difference(before, after));
      const step = results.summary(rate, target.key)!;
      misses.set(target.key, step.meetsGoal ? 0 : (misses.get(target.key) ?? 0) + 1);
      const errors =
        step.failedShare > 0 ? `, ${(100 * step.failedShare).toFixed(1)} % errors` : '';
      line.push(`${target.key} p99 ${step.p99.toFixed(0)} ms${errors}`);
    }
    console.log(`${rate} req/s: ${line.join('; ') || 'every target saturated at lower rates'}`);
  }
  return results;
}

function resultsSection(machine: Machine, results: MixResults, writes: string): string {
  const { rates } = settings;
  const smoke =
    settings.durationS < 15
      ? `**Short smoke run** (${settings.durationS} s per rate and target): it shows that the mix runs on every target; it is too short for conclusions.\n\n`
      : '';
  const shares = MIX_SHARES.map(({ kind, share }) => `${kind} ${Math.round(share * 100)} %`);
  const commonest = [...results.failures].sort((a, b) => b[1] - a[1]).slice(0, 5);
  const failures = commonest.length
    ? `\n\nCommonest failures:\n\n${commonest.map(([kind, n]) => `- ${n} × \`${kind.replace(/`/g, "'")}\``).join('\n')}`
    : '';
  return `### Mixed run of ${machine.date}

${smoke}Machine: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, PostgreSQL ${machine.postgres}; load average at the start ${machine.loadAverageAtStart} (the machine is shared). Settings: rates ${rates.join(', ')} req/s, ${settings.durationS} s per rate and target, ${settings.warmupS} s warm-up per target. Population: 38 regional operators, ${sizes.analysts} analysts, ${sizes.admins} admins, ${sizes.anonymous} anonymous callers. Mix: ${shares.join(', ')} (${writes}).

${stepTable(results, rates, TARGETS)}

Highest rate sustained (p99 < ${GOAL.p99Ms} ms, no errors):

${sustainedTable(results, rates, TARGETS)}

Response cache, per operation, over every rate (\`x-cache\` of our gateway's answers):

${cacheTable(results, TARGETS)}

CPU milliseconds and V8 heap megabytes allocated per request, process by process (the gateway column is the target's own gateway process):

${costTable(results.costs, stepRows(rates), TARGETS, 'offered')}${failures}`;
}

async function main() {
  await assertPortsFree(ports);
  process.env.SUBGRAPH_SECRET ||= randomBytes(32).toString('base64url');
  const bench = await benchDatabase();
  console.log('seeding coop_bench with the large seed if it is not there yet…');
  await seedLarge(bench.url);
  const scratch = await scratchCopyOfBenchDatabase(bench.url);
  const machine = describeMachine(bench.serverVersion);
  const supergraph = fs.readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const supergraphFile = writeBenchSupergraph(supergraph, ports);
  ensureHiveGatewayInstalled();
  const processes = new BenchProcesses(ports, scratch.url, ANONYMOUS_AS_MANY_CALLERS);
  try {
    console.log(`starting the graph on ${scratch.name}, a copy of coop_bench…`);
    await processes.startGraph();
    await Promise.all([
      processes.startGatewayWithRedisCache(settings.redisUrl, redisPrefix),
      processes.startGatewayWithoutCache(),
      processes.startStockGateway(supergraphFile),
      processes.startHiveGateway(supergraphFile),
    ]);
    const sample = await drawSample(scratch.url);
    const population = await simulatedPopulation(sample.provinceCodes, sizes);
    const writes = new WriteAllocator(sample, Math.random);
    const mix = new RequestMix(population, sample, writes);
    await checkEveryTargetAnswers(mix);
    console.log(
      `\nrates ${settings.rates.join(', ')} req/s, ${settings.durationS} s per rate and target\n`,
    );
    const results = await measure(mix, probes(scratch.name));
    const section = resultsSection(machine, results, writes.describe());
    await publishSection(section, MIX_MARKERS);
  } finally {
    await processes.stopAll();
    await scratch
      .drop()
      .catch((error: unknown) => console.error(`dropping ${scratch.name}:`, error));
    await deleteKeysUnder(settings.redisUrl, redisPrefix).catch((error: unknown) =>
      console.error('deleting the run’s Redis keys:', error),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
