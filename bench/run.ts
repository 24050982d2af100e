/**
 * `npm run bench`: the contract's operations on the large seed, in one run, against five targets
 * in front of the same subgraphs — A our gateway (response cache on), B our gateway (cache off),
 * C stock @apollo/gateway, D Hive Gateway, E the floor (the query plan's subgraph requests
 * replayed without a gateway). Targets alternate in short slices, round after round, so the
 * machine's noise falls on all of them alike. Prints req/s, p50/p99, ratios to A and B, SQL
 * statements, CPU ms and allocated MB per request per process, and writes them to
 * bench/README.md. A script, not a test: see bench/README.md for the method.
 *
 * BENCH_DURATION (s per slice, default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default
 * 10), BENCH_WARMUP (s per operation and target before the first round, default 2), BENCH_PORT
 * (first of the ports used, default 4100), BENCH_OPERATIONS (e.g. "Dashboard,Agreement"),
 * BENCH_README=0 (do not write bench/README.md), BENCH_TRUSTED_OPERATION (the operation sent as
 * text and as a persisted id through A and B, default Agreement; "none" skips it).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { intFromEnv, PKS_ID, signDevToken } from '@coop/common';
import { ROOT } from '../scripts/lib/processes';
import {
  debugEndpointProbe,
  difference,
  ownProcessProbe,
  postgresBackendsProbe,
  readAll,
  type Probe,
} from './cost-probes';
import { BENCH_DATABASE, benchDatabase } from './database';
import { checkReplay, describeReplay, fetchCount, replay, startFloorRecorder } from './floor';
import { graphQLPost, send } from './http-client';
import { runLoad, type Flow } from './load';
import {
  contractOperations,
  SAMPLE_IDS_QUERY,
  sampleIdsFrom,
  type BenchOperation,
} from './operations';
import {
  assertPortsFree,
  benchPorts,
  BenchProcesses,
  ensureHiveGatewayInstalled,
  writeBenchSupergraph,
} from './processes';
import { describeMachine, publishSection, type Machine } from './readme-report';
import {
  CLIENT_PROBE,
  costTable,
  POSTGRES_PROBE,
  Results,
  SUBGRAPH_PROBES,
  throughputTable,
  type TargetDescription,
  type TargetKey,
} from './results';
import { checkSameAnswers } from './same-answers';
import {
  measureTrustedDocuments,
  trustedDocumentsSection,
  type TrustedDocumentsRun,
} from './trusted-documents';

const settings = {
  durationS: intFromEnv('BENCH_DURATION', 5),
  rounds: intFromEnv('BENCH_ROUNDS', 3),
  connections: intFromEnv('BENCH_CONNECTIONS', 10),
  warmupS: intFromEnv('BENCH_WARMUP', 2),
};
const ports = benchPorts(intFromEnv('BENCH_PORT', 4100));
const only = process.env.BENCH_OPERATIONS?.split(',').map((name) => name.trim());
const trustedOperation = process.env.BENCH_TRUSTED_OPERATION ?? 'Agreement';

const TARGETS: TargetDescription[] = [
  { key: 'A', label: 'A. ours, cache on', gatewayProbe: 'gateway A' },
  { key: 'B', label: 'B. ours, cache off', gatewayProbe: 'gateway B' },
  { key: 'C', label: 'C. stock @apollo/gateway', gatewayProbe: 'gateway C' },
  { key: 'D', label: 'D. Hive Gateway', gatewayProbe: 'gateway D' },
  { key: 'E', label: 'E. floor: plan replayed', gatewayProbe: undefined },
];

const local = (port: number) => `http://localhost:${port}`;
const GATEWAY_URLS: Record<Exclude<TargetKey, 'E'>, string> = {
  A: `${local(ports.gateway)}/graphql`,
  B: `${local(ports.gatewayWithoutCache)}/graphql`,
  C: `${local(ports.stockGateway)}/graphql`,
  D: `${local(ports.hiveGateway)}/graphql`,
};

const PROBES: Probe[] = [
  debugEndpointProbe('gateway A', local(ports.gateway)),
  debugEndpointProbe('gateway B', local(ports.gatewayWithoutCache)),
  debugEndpointProbe('gateway C', local(ports.stockGatewayStats)),
  debugEndpointProbe('gateway D', local(ports.hiveGatewayStats)),
  ...SUBGRAPH_PROBES.map((name) => debugEndpointProbe(name, local(ports[name]), true)),
  postgresBackendsProbe(POSTGRES_PROBE, BENCH_DATABASE),
  ownProcessProbe(CLIENT_PROBE),
];

interface Prepared {
  operation: BenchOperation;
  flows: Record<TargetKey, Flow>;
  floorPlan: string;
}

/** Records the floor's requests, checks every target's answers and builds the load flows. */
async function prepare(supergraphFile: string, authorization: string): Promise<Prepared[]> {
  const sample = await fetch(GATEWAY_URLS.A, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: SAMPLE_IDS_QUERY }),
  });
  const found = (await sample.json()) as { data?: unknown; errors?: unknown };
  if (!found.data || found.errors) {
    throw new Error(`finding sample ids failed: ${JSON.stringify(found.errors)}`);
  }
  const ids = sampleIdsFrom(found.data, PKS_ID);
  const operations = contractOperations(ids).filter(({ name }) => !only || only.includes(name));
  const recorder = await startFloorRecorder(supergraphFile, authorization);
  try {
    const prepared: Prepared[] = [];
    for (const operation of operations) {
      await checkSameAnswers(operation, GATEWAY_URLS, authorization);
      const floor = await recorder.record(operation);
      await checkReplay(floor, operation.name);
      const payload = { query: operation.query, variables: operation.variables };
      const flowTo = (url: string): Flow => {
        const request = graphQLPost(url, payload, authorization);
        return () => send(request);
      };
      prepared.push({
        operation,
        flows: {
          A: flowTo(GATEWAY_URLS.A),
          B: flowTo(GATEWAY_URLS.B),
          C: flowTo(GATEWAY_URLS.C),
          D: flowTo(GATEWAY_URLS.D),
          E: () => replay(floor),
        },
        floorPlan: `${describeReplay(floor)} (${fetchCount(floor)} ${fetchCount(floor) === 1 ? 'request' : 'requests'})`,
      });
      console.log(`${operation.name}: same answer from A–D; floor replays ${fetchCount(floor)}`);
    }
    return prepared;
  } finally {
    await recorder.stop();
  }
}

/** `{ __typename }` through ours with the cache on: what the gateway's HTTP path alone costs. */
interface Ceiling {
  requests: number;
  elapsedMs: number;
}

/**
 * Round after round, every operation on every target in turn; the first target rotates. Each
 * round also measures the ceiling, so that the cached answers compare with it in one run.
 */
async function measure(
  prepared: Prepared[],
  authorization: string,
): Promise<{ results: Results; ceiling: Ceiling }> {
  const typename = graphQLPost(GATEWAY_URLS.A, { query: '{ __typename }' }, authorization);
  const ceiling: Ceiling = { requests: 0, elapsedMs: 0 };
  if (settings.warmupS > 0) {
    console.log(`warming up: ${settings.warmupS} s per operation and target`);
    for (const { flows } of prepared) {
      for (const target of TARGETS) {
        await runLoad(flows[target.key], settings.connections, settings.warmupS * 1000);
      }
    }
  }
  const results = new Results();
  for (let round = 0; round < settings.rounds; round += 1) {
    const order = [...TARGETS.slice(round % 5), ...TARGETS.slice(0, round % 5)];
    for (const { operation, flows } of prepared) {
      const line: string[] = [];
      for (const target of order) {
        const before = await readAll(PROBES);
        const load = await runLoad(
          flows[target.key],
          settings.connections,
          settings.durationS * 1000,
        );
        const after = await readAll(PROBES);
        results.add(operation.name, target.key, load, difference(before, after));
        line.push(`${target.key} ${(load.requests / (load.elapsedMs / 1000)).toFixed(0)}`);
      }
      console.log(
        `round ${round + 1}/${settings.rounds} ${operation.name}: ${line.join(', ')} req/s`,
      );
    }
    const load = await runLoad(
      () => send(typename),
      settings.connections,
      settings.durationS * 1000,
    );
    ceiling.requests += load.requests;
    ceiling.elapsedMs += load.elapsedMs;
  }
  return { results, ceiling };
}

/** The cached operations beside the ceiling: a hit should cost little more than `{ __typename }`. */
function ceilingLine(results: Results, names: string[], ceiling: Ceiling): string {
  const ceilingRps = ceiling.requests / (ceiling.elapsedMs / 1000);
  const ratios = names.map(
    (name) => `${name} ${(results.requestsPerSecond(name, 'A') / ceilingRps).toFixed(2)}×`,
  );
  return `Ceiling: \`{ __typename }\` through A, ${ceilingRps.toFixed(0)} req/s; each operation on A (cache on) at: ${ratios.join(', ')}.`;
}

function resultsSection(
  machine: Machine,
  prepared: Prepared[],
  results: Results,
  ceiling: Ceiling,
  trusted: TrustedDocumentsRun | undefined,
): string {
  const names = prepared.map(({ operation }) => operation.name);
  const perCell = settings.durationS * settings.rounds;
  const smoke =
    perCell < 15
      ? `**Short smoke run** (${perCell} s per operation and target): it shows that every target answers every operation; it is too short for conclusions.\n\n`
      : '';
  return `### Run of ${machine.date}

${smoke}Machine: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, PostgreSQL ${machine.postgres}; load average at the start ${machine.loadAverageAtStart} (the machine is shared). Settings: ${settings.rounds} rounds × ${settings.durationS} s per operation and target, ${settings.connections} connections, ${settings.warmupS} s warm-up; an admin token on every request.

The floor's requests (→ one after the other, ∥ at the same time):

${prepared.map(({ operation, floorPlan }) => `- ${operation.name}: ${floorPlan}`).join('\n')}

${throughputTable(results, names, TARGETS)}

${ceilingLine(results, names, ceiling)}

CPU milliseconds and V8 heap megabytes allocated per request, process by process (the gateway column is the target's own gateway process):

${costTable(results, names, TARGETS)}${trusted ? `\n\n${trustedDocumentsSection(trusted)}` : ''}`;
}

async function main() {
  await assertPortsFree(ports);
  // One secret for the stack and for the gateways beside it: subgraphs answer a gateway only.
  process.env.SUBGRAPH_SECRET ||= randomBytes(32).toString('base64url');
  const database = await benchDatabase();
  const machine = describeMachine(database.serverVersion);
  const supergraph = fs.readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const supergraphFile = writeBenchSupergraph(supergraph, ports);
  ensureHiveGatewayInstalled();
  const processes = new BenchProcesses(ports, database.url);
  try {
    console.log('starting the graph on the large seed (the first run seeds it: a few minutes)…');
    await processes.startGraph();
    await Promise.all([
      processes.startGatewayWithoutCache(),
      processes.startStockGateway(supergraphFile),
      processes.startHiveGateway(supergraphFile),
    ]);
    const authorization = `Bearer ${await signDevToken({ role: 'admin' })}`;
    const prepared = await prepare(supergraphFile, authorization);
    console.log(
      `\n${settings.rounds} rounds × ${settings.durationS} s per operation and target, ${settings.connections} connections\n`,
    );
    const { results, ceiling } = await measure(prepared, authorization);
    const sent = prepared.find(({ operation }) => operation.name === trustedOperation)?.operation;
    const trusted =
      sent &&
      (await measureTrustedDocuments(
        sent.name,
        sent.variables,
        { [TARGETS[0]!.label]: GATEWAY_URLS.A, [TARGETS[1]!.label]: GATEWAY_URLS.B },
        authorization,
        settings,
      ));
    const section = resultsSection(machine, prepared, results, ceiling, trusted);
    await publishSection(section);
  } finally {
    await processes.stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
