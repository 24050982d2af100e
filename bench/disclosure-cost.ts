import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { intFromEnv, signDevToken, startService, type RunningService } from '@coop/common';
import { bpsdmCentralService } from '../services/bpsdm-central';
import { bpsdmRegionalService } from '../services/bpsdm-regional';
import { libraryService } from '../services/library';
import { startGateway } from '../gateway/server';
import { PROFILE_QUERY } from './operations';

/**
 * `npm run bench:disclosures`: what the disclosure trail costs (decision 29). Profile as an
 * admin through two gateways with the response cache off, side by side on the bench's
 * database: one in front of a library and a bpsdm-regional that record every disclosure, one in
 * front of the same services started without the trail (bpsdm-central, which has no personal
 * field, is shared). Rounds alternate.
 */

const DATABASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coop_bench';
const DURATION = intFromEnv('BENCH_DURATION', 5);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10);
const BASE = intFromEnv('BENCH_PORT', 4200);

async function main() {
  Object.assign(process.env, {
    DATABASE_URL: DATABASE,
    RESPONSE_CACHE: 'off',
    SUBGRAPH_SECRET: process.env.SUBGRAPH_SECRET ?? randomUUID(),
    BPSDM_CENTRAL_URL: `http://localhost:${BASE + 1}/graphql`,
    BPSDM_REGIONAL_URL: `http://localhost:${BASE + 4}/graphql`,
    LIBRARY_URL: `http://localhost:${BASE + 3}/graphql`,
  });
  const started: RunningService[] = [];
  const start = async <T>(running: Promise<T & RunningService>) => {
    const service = await running;
    started.push(service);
    return service;
  };
  await start(startService(bpsdmCentralService, { port: BASE + 1, seedPlan: null }));
  const owners = async (first: number, disclosureTrail: boolean) => ({
    library: (
      await start(startService(libraryService, { port: first, seedPlan: null, disclosureTrail }))
    ).url,
    'bpsdm-central': `http://localhost:${BASE + 1}/graphql`,
    'bpsdm-regional': (
      await start(
        startService(bpsdmRegionalService, { port: first + 1, seedPlan: null, disclosureTrail }),
      )
    ).url,
  });
  const targets = {
    trail: await start(startGateway(BASE + 2, await owners(BASE + 3, true))),
    'no trail': await start(startGateway(BASE + 5, await owners(BASE + 6, false))),
  };

  const db = new Client({ connectionString: DATABASE });
  await db.connect();
  const [{ id }] = (
    await db.query<{ id: string }>(
      `SELECT librarian_id AS id FROM library.certification GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    )
  ).rows as [{ id: string }];
  const count = async () =>
    Number((await db.query('SELECT count(*) FROM library.disclosure')).rows[0].count);
  const before = await count();

  const authorization = `Bearer ${await signDevToken({ role: 'admin', subject: 'bench-dpo' })}`;
  const body = JSON.stringify({ query: PROFILE_QUERY, variables: { id } });
  for (const [name, gateway] of Object.entries(targets)) {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
    });
    const answer = (await response.json()) as { errors?: unknown[]; data?: unknown };
    if (answer.errors || !answer.data) throw new Error(`${name}: ${JSON.stringify(answer)}`);
  }
  const results: Record<string, number[]> = { trail: [], 'no trail': [] };
  for (let round = 0; round < ROUNDS + 1; round += 1) {
    for (const [name, gateway] of Object.entries(targets)) {
      const result = await autocannon({
        url: gateway.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body,
        connections: CONNECTIONS,
        // The first round warms both up, unmeasured.
        duration: round === 0 ? 2 : DURATION,
      });
      if (result.non2xx || result.errors) throw new Error(`${name}: failed requests`);
      if (round > 0) results[name]!.push(result.requests.average);
    }
  }
  const after = await count();
  await db.end();
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const trail = mean(results.trail!);
  const none = mean(results['no trail']!);
  console.log(
    JSON.stringify(
      {
        operation: 'Profile (admin, cache off)',
        reqPerSecond: { trail: Math.round(trail), noTrail: Math.round(none) },
        ratio: Number((trail / none).toFixed(3)),
        rounds: results,
        recordsWritten: after - before,
      },
      null,
      2,
    ),
  );
  for (const service of started.reverse()) await service.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
