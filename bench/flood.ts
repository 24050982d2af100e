/**
 * `npm run bench:flood`: does one caller's flood of maximal-cost queries hurt anyone else?
 * Starts the graph as the benchmark does (large seed, `coop_bench`, its own ports), then measures
 * a bystander — one client with its own token sending a simple query, computed every time — alone,
 * and again while one anonymous client floods the gateway with queries costing just under
 * MAX_QUERY_COST, each different so that the response cache cannot answer them. Prints and
 * writes to bench/README.md the bystander's p50/p99 in both phases and the flood's share of 429s.
 * A script, not a test: see bench/README.md.
 *
 * FLOOD_DURATION (s per phase, default 20), FLOOD_CONNECTIONS (the flood's concurrent requests,
 * default 32), FLOOD_PORT (first of the ports used, default 4200), BENCH_README=0 (do not write
 * bench/README.md). The gateway runs with the defaults of its limits unless the environment
 * sets them (CALLER_COST_PER_MINUTE[_ANONYMOUS], CALLER_MAX_IN_FLIGHT[_ANONYMOUS], MAX_QUERY_COST).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ApolloGateway } from '@apollo/gateway';
import { encodeCursor, intFromEnv, signDevToken } from '@coop/common';
import { parse, type GraphQLSchema } from 'graphql';
import { callerBudgetFromEnv } from '../gateway/caller-budget';
import { SUPERGRAPH_PATH } from '../gateway/compose';
import { limitsFromEnv, operationCost } from '../gateway/limits';
import { benchDatabase } from './database';
import { graphQLPost, sendForStatus } from './http-client';
import { percentile, runLoad } from './load';
import { assertPortsFree, benchPorts, BenchProcesses } from './processes';
import { describeMachine, publishSection } from './readme-report';
import { enforcedSupergraph } from '../gateway/access';

const settings = {
  durationS: intFromEnv('FLOOD_DURATION', 20),
  floodConnections: intFromEnv('FLOOD_CONNECTIONS', 32),
};
const ports = benchPorts(intFromEnv('FLOOD_PORT', 4200));
const GATEWAY_URL = `http://localhost:${ports.gateway}/graphql`;
const MARKERS = {
  start: '<!-- flood-results:start (written by npm run bench:flood) -->',
  end: '<!-- flood-results:end -->',
};

/** The bystander's query: small, public, computed every time (a comment makes each text new). */
const SIMPLE = '{ agreements(first: 5) { totalCount edges { node { title } } } }';

/** Every field of a run a public caller may read, its program's modules and its office. */
const RUN_FIELDS =
  'id batch batchLabel startsOn endsOn quota status enrolmentCount program { title code lessonHours modules { title lessonHours } } office { name city }';

/**
 * A flood query: 20 root fields (the most allowed), each a page of program runs, starting at
 * `offset`. Sizes are chosen once so that the cost is as high as the limit allows.
 */
function floodQuery(pages: number[], offset: number): string {
  const fields = pages.map(
    (first, i) =>
      `p${i}: programRuns(first: ${first}, after: "${encodeCursor(offset + i * 100)}") { edges { node { ${RUN_FIELDS} } } }`,
  );
  return `query Flood { ${fields.join(' ')} }`;
}

/** Page sizes (20 pages, at most 100 each) whose cost is the highest not above `maxCost`. */
function maximalPages(schema: GraphQLSchema, maxCost: number): { pages: number[]; cost: number } {
  const cost = (pages: number[]) => operationCost(schema, parse(floodQuery(pages, 0)), 'Flood', {});
  const pages = Array.from({ length: 20 }, () => 0);
  for (let i = 0; i < pages.length; i += 1) {
    let low = 0;
    let high = 100;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      pages[i] = mid;
      if (cost(pages) <= maxCost) low = mid;
      else high = mid - 1;
    }
    pages[i] = low;
  }
  return { pages: pages.filter((first) => first > 0), cost: cost(pages.filter((f) => f > 0)) };
}

interface Phase {
  requests: number;
  elapsedMs: number;
  latenciesMs: number[];
  failures: number;
}

/** The bystander: one client, its next request when the previous answer is in. */
async function bystander(authorization: string, durationMs: number): Promise<Phase> {
  let failures = 0;
  let sent = 0;
  const load = await runLoad(
    async () => {
      sent += 1;
      const request = graphQLPost(
        GATEWAY_URL,
        { query: `${SIMPLE}\n# bystander ${sent} ${randomBytes(4).toString('hex')}` },
        authorization,
      );
      const reply = await sendForStatus(request);
      if (reply.status !== 200 || reply.errors) failures += 1;
    },
    1,
    durationMs,
  );
  return { ...load, failures };
}

interface Flood {
  sent: number;
  answered: number;
  refused: number;
  other: number;
}

/** One anonymous caller: `connections` requests at once, each a new maximal-cost query. */
async function flood(pages: number[], connections: number, until: () => boolean): Promise<Flood> {
  const counts: Flood = { sent: 0, answered: 0, refused: 0, other: 0 };
  const client = async () => {
    while (!until()) {
      counts.sent += 1;
      // 5,000 runs in the large seed: start anywhere a full query still finds runs.
      const offset = Math.floor(Math.random() * 3000);
      // A comment makes every text new: the response cache never holds the answer.
      const text = `${floodQuery(pages, offset)}\n# flood ${counts.sent}`;
      const request = graphQLPost(GATEWAY_URL, { query: text }, '');
      const reply = await sendForStatus(request).catch(() => ({ status: 0, errors: true }));
      if (reply.status === 200 && !reply.errors) counts.answered += 1;
      else if (reply.status === 429) counts.refused += 1;
      else counts.other += 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  return counts;
}

function summary(phase: Phase) {
  const sorted = [...phase.latenciesMs].sort((a, b) => a - b);
  const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
  return {
    requests: phase.requests,
    perSecond: (phase.requests / (phase.elapsedMs / 1000)).toFixed(0),
    p50: ms(percentile(sorted, 0.5)),
    p99: ms(percentile(sorted, 0.99)),
    max: ms(sorted[sorted.length - 1] ?? NaN),
    failures: phase.failures,
  };
}

async function main() {
  await assertPortsFree(ports);
  process.env.SUBGRAPH_SECRET ||= randomBytes(32).toString('base64url');
  const limits = limitsFromEnv();
  const budget = callerBudgetFromEnv();
  const gateway = new ApolloGateway({
    supergraphSdl: enforcedSupergraph(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')),
  });
  const schema = (await gateway.load()).schema;
  await gateway.stop();
  const { pages, cost } = maximalPages(schema, limits.maxCost);

  const database = await benchDatabase();
  const machine = describeMachine(database.serverVersion);
  const processes = new BenchProcesses(ports, database.url);
  try {
    console.log('starting the graph on the large seed (the first run seeds it: a few minutes)…');
    await processes.startGraph();
    const authorization = `Bearer ${await signDevToken({ role: 'analyst', subject: 'bystander' })}`;
    const probe = await sendForStatus(
      graphQLPost(GATEWAY_URL, { query: floodQuery(pages, 0) }, ''),
    );
    if (probe.status !== 200 || probe.errors) {
      throw new Error(`the flood query is not answered: HTTP ${probe.status}`);
    }
    console.log(
      `flood query: ${pages.length} pages of runs, cost ${cost} (limit ${limits.maxCost})`,
    );
    const durationMs = settings.durationS * 1000;
    await bystander(authorization, 3000); // warm-up, unmeasured
    const alone = await bystander(authorization, durationMs);
    console.log('bystander alone:', summary(alone));
    const started = performance.now();
    let stop = false;
    const flooding = flood(pages, settings.floodConnections, () => stop);
    const during = await bystander(authorization, durationMs);
    stop = true;
    const floodCounts = await flooding;
    const floodSeconds = (performance.now() - started) / 1000;
    console.log('bystander during the flood:', summary(during), floodCounts);

    const a = summary(alone);
    const d = summary(during);
    const share = (n: number) => `${((100 * n) / Math.max(1, floodCounts.sent)).toFixed(1)} %`;
    const section = `### Flood run of ${machine.date}

Machine: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, PostgreSQL ${machine.postgres}; load average at the start ${machine.loadAverageAtStart} (the machine is shared). The gateway's limits (its defaults unless the environment set them): \`MAX_QUERY_COST\` ${limits.maxCost}; for anonymous callers \`CALLER_COST_PER_MINUTE_ANONYMOUS\` ${budget.anonymousCostPerWindow} and \`CALLER_MAX_IN_FLIGHT_ANONYMOUS\` ${budget.anonymousMaxInFlight}; for tokens \`CALLER_COST_PER_MINUTE\` ${budget.costPerWindow} and \`CALLER_MAX_IN_FLIGHT\` ${budget.maxInFlight}. ${settings.durationS} s per phase.

The flood: one anonymous client, ${settings.floodConnections} requests at once, each a new query (${pages.length} aliased pages of program runs from a random offset, every public field of a run, its program's modules and its office) of cost ${cost}. The bystander: one client with an analyst token sending \`${SIMPLE}\`, a new text each time (never from the cache), one request after the other.

| bystander                | requests | req/s        | p50 ms | p99 ms | max ms | failed     |
| ------------------------ | -------- | ------------ | ------ | ------ | ------ | ---------- |
| alone                    | ${a.requests} | ${a.perSecond} | ${a.p50} | ${a.p99} | ${a.max} | ${a.failures} |
| during the flood         | ${d.requests} | ${d.perSecond} | ${d.p50} | ${d.p99} | ${d.max} | ${d.failures} |

| flood (${floodSeconds.toFixed(0)} s) | requests | answered (200) | refused (429) | other |
| ------------------------ | -------- | -------------- | ------------- | ----- |
| one anonymous client     | ${floodCounts.sent} | ${floodCounts.answered} (${share(floodCounts.answered)}) | ${floodCounts.refused} (${share(floodCounts.refused)}) | ${floodCounts.other} |`;
    await publishSection(section, MARKERS);
  } finally {
    await processes.stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
