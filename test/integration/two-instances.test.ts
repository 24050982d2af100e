import { randomUUID } from 'node:crypto';
import { PKS_ID, SERVICES } from '@coop/common';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import { callerBudgetFromEnv } from '../../gateway/caller-budget';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { startSubgraph, subgraphEnv, useEnv, type SubgraphName } from '../support/instances';
import { contractText } from '../support/contract';
import { roundRobin, type RoundRobin } from '../support/round-robin';
import {
  adminToken,
  query,
  sqlOf,
  testStack,
  tokenFor,
  uncachedText,
  type GraphQLResponse,
} from '../support/stack';

/**
 * The services keep no state of their own that matters (decision 17): two instances of every
 * subgraph (the stack's, in its own process, and one started here), each pair behind a
 * round-robin, and two gateways sharing one Redis, answered in turn, give the answers one
 * instance of each gives, and idempotency, quotas, versions, the response cache and the
 * per-caller budgets hold across them.
 */

const NAMES: SubgraphName[] = ['library', 'bpsdm-central', 'bpsdm-regional'];
const NIP_LOOKUPS_PER_HOUR = 6;

interface Reply<T> {
  status: number;
  cache: string | null;
  body: GraphQLResponse<T>;
}

const services: RunningService[] = [];
let restoreEnv = () => {};
const balancers: RoundRobin[] = [];
let gateways: string[] = [];
let turn = 0;
let admin: string;

/** Sends to the next gateway in turn (or to the one given). */
async function ask<T = Record<string, unknown>>(
  text: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; gateway?: number } = {},
): Promise<Reply<T>> {
  const gateway = gateways[options.gateway ?? turn++ % gateways.length]!;
  const response = await fetch(`${gateway}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query: text, variables }),
  });
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    body: (await response.json()) as GraphQLResponse<T>,
  };
}

async function data<T>(
  text: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; gateway?: number } = {},
): Promise<T> {
  const { body } = await ask<T>(text, variables, options);
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

const sql = <T>(text: string, params: unknown[] = []) => sqlOf<T>('library', text, params);

async function startAll(): Promise<void> {
  admin = await adminToken();
  // The subgraphs started here reach the others' APIs through the balancers too.
  balancers.push(...(await Promise.all(NAMES.map(() => roundRobin([])))));
  const throughBalancers = Object.fromEntries(
    NAMES.map((name, index) => [
      SERVICES.find((service) => service.name === name)!.urlVariable,
      `${balancers[index]!.url}/graphql`,
    ]),
  );
  for (const [index, name] of NAMES.entries()) {
    restoreEnv();
    restoreEnv = useEnv({ ...subgraphEnv(name), ...throughBalancers });
    const started = await startSubgraph(name);
    services.push(started);
    balancers[index]!.targets.push(
      testStack().subgraphUrls[name],
      `http://localhost:${started.port}`,
    );
  }
  const prefix = `coop-test:${randomUUID()}:`;
  const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  // Added to the subgraphs' environment, which they read on every request (TODAY, URLs).
  const restoreSubgraphEnv = restoreEnv;
  const restoreGatewayEnv = useEnv({
    // The lookup budget reads its settings from the environment.
    REDIS_URL: redisUrl,
    LOOKUP_BUDGET_REDIS_PREFIX: `${prefix}lookups:`,
    NIP_LOOKUPS_PER_HOUR: String(NIP_LOOKUPS_PER_HOUR),
  });
  restoreEnv = () => {
    restoreGatewayEnv();
    restoreSubgraphEnv();
  };
  for (let instance = 0; instance < 2; instance += 1) {
    services.push(
      await startGateway(
        await freePort(),
        Object.fromEntries(NAMES.map((name, index) => [name, `${balancers[index]!.url}/graphql`])),
        limitsFromEnv(),
        {
          ...cacheSettingsFromEnv(),
          enabled: true,
          redisUrl,
          redisKeyPrefix: `${prefix}cache:`,
        },
        {
          ...callerBudgetFromEnv(),
          redisUrl,
          redisKeyPrefix: `${prefix}budget:`,
          maxInFlight: 100,
        },
      ),
    );
  }
  gateways = services.slice(-2).map((gateway) => gateway.url.replace(/\/graphql$/, ''));
}

async function stopAll(): Promise<void> {
  // Gateways first, then the subgraphs behind them.
  for (const service of services.reverse()) await service.stop();
  await Promise.all(balancers.map((balancer) => balancer.close()));
  restoreEnv();
}

// The embedded PostgreSQL (no DATABASE_URL) serves one connection per service at a time.
(process.env.DATABASE_URL ? describe : describe.skip)('two instances of every service', () => {
  beforeAll(startAll, 120_000);
  afterAll(stopAll, 60_000);

  it('answer the contract operations as one instance of each does', async () => {
    const { librarians } = await query<{
      librarians: { edges: { node: { id: string; certifications: { number: string }[] } }[] };
    }>(
      `{ librarians(first: 20, filter: { provinceCode: "32" }) { edges { node { id certifications { number } } } } }`,
      {},
      { token: admin },
    );
    const profiled = librarians.edges.find(({ node }) => node.certifications.length > 0)!.node;
    const operations: [string, Record<string, unknown>][] = [
      [contractText('MyRuns'), {}],
      [contractText('Dashboard'), {}],
      [contractText('Agreement'), { id: PKS_ID }],
      [contractText('Profile'), { id: profiled.id }],
      [contractText('Verify'), { n: profiled.certifications[0]!.number }],
    ];
    const before = balancers.map((balancer) => [...balancer.sent]);
    for (const [text, variables] of operations) {
      const once = await query(uncachedText(text), variables, { token: admin });
      // Twice through each gateway, computed each time: every subgraph instance answers.
      for (let round = 0; round < 4; round += 1) {
        expect(await data(uncachedText(text), variables, { token: admin })).toEqual(once);
      }
    }
    balancers.forEach((balancer, index) => {
      balancer.targets.forEach((_target, instance) =>
        expect(balancer.sent[instance]).toBeGreaterThan(before[index]![instance] ?? 0),
      );
    });
  });

  it('share the response cache, and a write through one gateway refreshes the other', async () => {
    const FACILITIES = `{ facilities { id name } }`;
    await ask(FACILITIES, {}, { gateway: 0 });
    const hit = await ask<{ facilities: { name: string }[] }>(FACILITIES, {}, { gateway: 1 });
    expect(hit.cache).toBe('hit');
    const name = `Ruang Dua Gerbang ${randomUUID()}`;
    await data(
      `mutation ($input: CreateFacilityInput!) { createFacility(input: $input) { id } }`,
      {
        input: {
          name,
          kind: 'CLASSROOM',
          capacity: 20,
          address: 'Jl. Medan Merdeka Selatan No. 11',
        },
      },
      { token: admin, gateway: 0 },
    );
    const after = await ask<{ facilities: { name: string }[] }>(FACILITIES, {}, { gateway: 1 });
    expect(after.cache).toBe('miss');
    expect(after.body.data!.facilities.map((facility) => facility.name)).toContain(name);
  });

  it('create once for one client key sent through both gateways at once', async () => {
    const clientKey = `dua-${randomUUID()}`;
    const name = `Ruang Kunci ${clientKey}`;
    const CREATE = `mutation ($input: CreateFacilityInput!) { createFacility(input: $input) { id } }`;
    const input = {
      name,
      kind: 'COMPUTER_LAB',
      capacity: 12,
      address: 'Jl. Salemba Raya No. 28A',
      clientKey,
    };
    const ids = await Promise.all(
      Array.from({ length: 6 }, () =>
        data<{ createFacility: { id: string } }>(CREATE, { input }, { token: admin }),
      ),
    );
    expect(new Set(ids.map((answer) => answer.createFacility.id)).size).toBe(1);
    expect(await sql('SELECT id FROM library.facility WHERE name = $1', [name])).toHaveLength(1);
  });

  it('refuse a stale version on the other gateway with CONFLICT', async () => {
    const CREATE = `mutation ($input: CreateFacilityInput!) { createFacility(input: $input) { id version } }`;
    const UPDATE = `mutation ($id: ID!, $version: Int!, $input: UpdateFacilityInput!) {
      updateFacility(id: $id, version: $version, input: $input) { id version capacity } }`;
    const { createFacility: created } = await data<{
      createFacility: { id: string; version: number };
    }>(
      CREATE,
      {
        input: {
          name: `Ruang Versi ${randomUUID()}`,
          kind: 'CLASSROOM',
          capacity: 10,
          address: 'Jl. Kalibata',
        },
      },
      { token: admin, gateway: 0 },
    );
    const first = await ask(
      UPDATE,
      { id: created.id, version: created.version, input: { capacity: 11 } },
      { token: admin, gateway: 0 },
    );
    expect(first.body.errors).toBeUndefined();
    const stale = await ask(
      UPDATE,
      { id: created.id, version: created.version, input: { capacity: 12 } },
      { token: admin, gateway: 1 },
    );
    expect(stale.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('never fill a run past its quota, whichever instances the enrolments reach', async () => {
    const QUOTA = 3;
    const { trainingPrograms } = await query<{
      trainingPrograms: { edges: { node: { id: string } }[] };
    }>(`{ trainingPrograms(first: 1) { edges { node { id } } } }`);
    const { librarians } = await query<{ librarians: { edges: { node: { id: string } }[] } }>(
      `{ librarians(first: 12, filter: { provinceCode: "32" }) { edges { node { id } } } }`,
      {},
      { token: admin },
    );
    const { planRun } = await data<{ planRun: { id: string; version: number } }>(
      `mutation ($input: PlanRunInput!) { planRun(input: $input) { id version } }`,
      {
        input: {
          provinceCode: '32',
          programId: trainingPrograms.edges[0]!.node.id,
          batch: 700 + Math.floor(Math.random() * 200),
          startsOn: '2027-05-03',
          endsOn: '2027-05-07',
          quota: QUOTA,
        },
      },
      { token: admin },
    );
    await data(
      `mutation ($id: ID!, $version: Int!) { setRunStatus(id: $id, version: $version, status: OPEN) { id } }`,
      { id: planRun.id, version: planRun.version },
      { token: admin },
    );
    const operator = await tokenFor('regional-operator', '32');
    const answers = await Promise.all(
      librarians.edges.map(({ node }) =>
        ask(
          `mutation ($runId: ID!, $librarianId: ID!) { enrol(runId: $runId, librarianId: $librarianId) { id } }`,
          { runId: planRun.id, librarianId: node.id },
          { token: operator },
        ),
      ),
    );
    const enrolled = answers.filter((answer) => !answer.body.errors);
    const refused = answers.filter((answer) => answer.body.errors);
    expect(enrolled).toHaveLength(QUOTA);
    for (const answer of refused) {
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(answer.body.errors?.[0]?.extensions?.field).toBe('runId');
    }
    const run = await data<{ programRun: { enrolmentCount: number } }>(
      `query ($id: ID!) { programRun(id: $id) { enrolmentCount } }`,
      { id: planRun.id },
      { token: admin },
    );
    expect(run.programRun.enrolmentCount).toBe(QUOTA);
  });

  it('count each caller’s lookups once, across both gateways', async () => {
    const token = await tokenFor('regional-operator', '32', { subject: `dua-${randomUUID()}` });
    const BY_NIP = `query ($nip: String!) { librarianByNip(nip: $nip) { id } }`;
    for (let lookup = 0; lookup < NIP_LOOKUPS_PER_HOUR; lookup += 1) {
      const nip = `1955031519800319${String(lookup).padStart(2, '0')}`;
      expect((await ask(BY_NIP, { nip }, { token })).status).toBe(200);
    }
    for (const gateway of [0, 1]) {
      const over = await ask(BY_NIP, { nip: '195503151980031990' }, { token, gateway });
      expect(over.status).toBe(429);
      expect(over.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    }
  });
});
