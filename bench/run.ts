/**
 * `npm run bench`: starts the graph on the large seed and measures the contract's Dashboard,
 * Agreement and Profile operations through the gateway and, side by side in the same run, the
 * part of each that the owning subgraph answers alone. Prints requests/s, p50/p99 latency,
 * SQL statements per request and the gateway/direct ratio. A script, not a test.
 *
 * BENCH_DURATION (s, default 10) and BENCH_CONNECTIONS (default 10) set the load. The stack uses
 * the database `coop_bench` on DATABASE_URL's server (default: the local PostgreSQL); the large
 * seed is kept there, so only the first run pays for it.
 */
import autocannon from 'autocannon';
import { Client } from 'pg';
import { intFromEnv, PKS_ID, signDevToken } from '@coop/common';
import { spawnTypeScript, stopProcess, waitForHealthy } from '../scripts/lib/processes';
import { benchOperations } from './operations';

const DURATION = intFromEnv('BENCH_DURATION', 10);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10);
const PORTS = { gateway: 4100, library: 4101, 'bpsdm-central': 4102, 'bpsdm-regional': 4103 };

async function benchDatabase(): Promise<string> {
  const server = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: server });
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'coop_bench'`);
  if (!exists.rowCount) await client.query('CREATE DATABASE coop_bench');
  await client.end();
  const url = new URL(server);
  url.pathname = '/coop_bench';
  return url.toString();
}

/** Dashboards read aggregates and profiles read personal data: the bench asks as an admin. */
let authorization = '';

async function post(url: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (body.errors) throw new Error(`${query}\n→ ${JSON.stringify(body.errors)}`);
  return body.data as Record<string, unknown>;
}

async function statementCount(): Promise<number> {
  let total = 0;
  for (const port of [PORTS.library, PORTS['bpsdm-central'], PORTS['bpsdm-regional']]) {
    const response = await fetch(`http://localhost:${port}/debug/sql-statements`);
    total += ((await response.json()) as { count: number }).count;
  }
  return total;
}

async function measure(url: string, query: string) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query }),
    connections: CONNECTIONS,
    duration: DURATION,
  });
  if (result.non2xx || result.errors) {
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors for ${url}`);
  }
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

type Measurement = Awaited<ReturnType<typeof measure>>;

function row(name: string, target: string, stats: Measurement, statements: string): string[] {
  return [
    name,
    target,
    stats.requestsPerSecond.toFixed(0),
    stats.p50.toFixed(0),
    stats.p99.toFixed(0),
    statements,
  ];
}

async function main() {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: await benchDatabase(),
    SEED_ON_START: 'large',
    EXPOSE_SQL_STATEMENT_COUNT: '1',
    GATEWAY_PORT: String(PORTS.gateway),
    LIBRARY_PORT: String(PORTS.library),
    BPSDM_CENTRAL_PORT: String(PORTS['bpsdm-central']),
    BPSDM_REGIONAL_PORT: String(PORTS['bpsdm-regional']),
    LIBRARY_URL: '',
    BPSDM_CENTRAL_URL: '',
    BPSDM_REGIONAL_URL: '',
  };
  console.log('starting the graph on the large seed (the first run seeds it: about a minute)…');
  const stack = spawnTypeScript('scripts/start.ts', env, 'pipe');
  stack.stdout?.resume();
  stack.stderr?.pipe(process.stderr);
  try {
    await waitForHealthy(`http://localhost:${PORTS.gateway}/health`, 600_000, stack);
    authorization = `Bearer ${await signDevToken({ role: 'admin' })}`;
    const gatewayUrl = `http://localhost:${PORTS.gateway}/graphql`;
    const found = await post(
      gatewayUrl,
      `{ programRuns(first: 1, filter: { status: COMPLETED }) { edges { node {
          enrolments(first: 1) { edges { node { participant { id } } } } } } } }`,
    );
    const librarianId = (
      found as {
        programRuns: {
          edges: { node: { enrolments: { edges: { node: { participant: { id: string } } }[] } } }[];
        };
      }
    ).programRuns.edges[0]!.node.enrolments.edges[0]!.node.participant.id;

    console.log(
      `\n${DURATION} s per measurement, ${CONNECTIONS} connections, one run, same machine\n`,
    );
    const rows: string[][] = [];
    for (const operation of benchOperations({ agreementId: PKS_ID, librarianId })) {
      const directUrl = `http://localhost:${PORTS[operation.directSubgraph]}/graphql`;
      const before = await statementCount();
      await post(gatewayUrl, operation.gatewayQuery);
      const statements = (await statementCount()) - before;
      const viaGateway = await measure(gatewayUrl, operation.gatewayQuery);
      const direct = await measure(directUrl, operation.directQuery);
      rows.push(
        row(operation.name, 'gateway (whole operation)', viaGateway, String(statements)),
        row(operation.name, `${operation.directSubgraph} alone (its part)`, direct, ''),
      );
      rows.push([
        operation.name,
        'ratio gateway / direct (req/s)',
        (viaGateway.requestsPerSecond / direct.requestsPerSecond).toFixed(2),
        '',
        '',
        '',
      ]);
    }
    const header = ['operation', 'target', 'req/s', 'p50 ms', 'p99 ms', 'SQL statements/request'];
    const table = [header, header.map(() => '---'), ...rows];
    console.log(table.map((row) => `| ${row.join(' | ')} |`).join('\n'));
  } finally {
    await stopProcess(stack);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
