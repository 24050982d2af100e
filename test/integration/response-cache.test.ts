import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv, type CacheSettings } from '../../gateway/cache-settings';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { query, tokenFor, type GraphQLResponse, subgraphGraphqlUrls } from '../support/stack';

/**
 * The gateway's response cache, on gateways of the test's own (in-process, in front of the
 * stack's subgraphs): in memory, and shared by two instances through the machine's Redis.
 */

interface Reply {
  status: number;
  cache: string | null;
  cacheControl: string | null;
  text: string;
  body: GraphQLResponse<Record<string, unknown>>;
}

async function ask(
  url: string,
  text: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = await response.text();
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    cacheControl: response.headers.get('cache-control'),
    text: body,
    body: JSON.parse(body) as Reply['body'],
  };
}

/** A province of its own, so that the other test files' writes never move these figures. */
const PROVINCE = '35';
const YEAR = 2031;

/** Batch numbers of the runs planned here: one per variant, none of the seed's. */
let nextBatch = 990;

const variants: [string, () => CacheSettings, number][] = [
  ['in memory', () => ({ ...cacheSettingsFromEnv(), enabled: true, redisUrl: undefined }), 1],
  [
    'shared by two gateways through Redis',
    () => ({
      ...cacheSettingsFromEnv(),
      enabled: true,
      redisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      // Each run keeps its answers apart: another run's graph holds other data.
      redisKeyPrefix: `coop-test:${randomUUID()}:`,
    }),
    2,
  ],
];

describe.each(variants)('response cache %s', (_name, settings, instances) => {
  let gateways: RunningService[] = [];
  /** The gateway a request goes to: alternate between instances when there are two. */
  let turn = 0;
  const next = () => gateways[turn++ % gateways.length]!.url;
  let admin: string;
  let analyst: string;
  let operator: string;

  beforeAll(async () => {
    const options = settings();
    for (let i = 0; i < instances; i += 1) {
      gateways.push(
        await startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv(), options),
      );
    }
    [admin, analyst, operator] = await Promise.all([
      tokenFor('admin'),
      tokenFor('analyst'),
      tokenFor('regional-operator', PROVINCE),
    ]);
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    gateways = [];
  });

  it('answers a repeated read from the cache, byte for byte, and says how it may be cached', async () => {
    const catalogue = `{ regionalOffices { provinceCode name } facilities { name } }`;
    const first = await ask(next(), catalogue);
    const second = await ask(next(), catalogue);
    expect(first).toMatchObject({ status: 200, cache: 'miss', cacheControl: 'public, no-cache' });
    expect(second).toMatchObject({ status: 200, cache: 'hit', cacheControl: 'public, no-cache' });
    expect(second.text).toBe(first.text);

    const dashboard = `{ regionalOffices { trainingStats(year: 2025) { runs participants } } }`;
    await ask(next(), dashboard, {}, analyst);
    expect(await ask(next(), dashboard, {}, analyst)).toMatchObject({
      cache: 'hit',
      cacheControl: 'private, no-cache',
    });
    // Personal answers are never stored: each is computed, and recorded by its owners'
    // disclosure trails (decision 29).
    const personal = `{ librarians(first: 2) { edges { node { name nip } } } }`;
    await ask(next(), personal, {}, admin);
    expect(await ask(next(), personal, {}, admin)).toMatchObject({
      cache: 'bypass',
      cacheControl: 'private, no-store',
    });
  });

  it('never stores an answer with errors, nor a write', async () => {
    const refused = `{ regionalOffices { trainingStats { runs } } }`;
    const anonymous = [await ask(next(), refused), await ask(next(), refused)];
    for (const reply of anonymous) {
      expect(reply.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(reply).toMatchObject({ cache: 'miss', cacheControl: 'no-store' });
    }
    const write = `mutation { setRunStatus(id: "${randomUUID()}", version: 1, status: OPEN) { id } }`;
    expect(await ask(next(), write, {}, admin)).toMatchObject({ cacheControl: 'no-store' });
  });

  it('shows every write in the very next read through the graph: plan, enrol, record a result', async () => {
    const { trainingPrograms, librarians } = await query<{
      trainingPrograms: { edges: { node: { id: string; lessonHours: number } }[] };
      librarians: { edges: { node: { id: string } }[] };
    }>(
      `{ trainingPrograms(first: 1) { edges { node { id lessonHours } } }
         librarians(first: 1, filter: { provinceCode: "${PROVINCE}" }) { edges { node { id } } } }`,
      {},
      { token: admin },
    );
    const program = trainingPrograms.edges[0]!.node;
    const librarianId = librarians.edges[0]!.node.id;
    const dashboard = `query OfficeDashboard { regionalOffice(provinceCode: "${PROVINCE}") {
      trainingStats(year: ${YEAR}) { runs participants completed lessonHoursDelivered }
      runs(first: 100, filter: { status: ONGOING }) { totalCount } } }`;
    type Stats = {
      regionalOffice: {
        trainingStats: {
          runs: number;
          participants: number;
          completed: number;
          lessonHoursDelivered: number;
        };
        runs: { totalCount: number };
      };
    };
    const read = async () => {
      const reply = await ask(next(), dashboard, {}, operator);
      expect(reply.body.errors).toBeUndefined();
      return reply;
    };
    const mutate = async <T>(text: string, variables: Record<string, unknown>) => {
      const reply = await ask(next(), text, variables, operator);
      expect(reply.body.errors).toBeUndefined();
      expect(reply.cacheControl).toBe('no-store');
      return reply.body.data as T;
    };

    const before = (await read()).body.data as Stats;
    expect((await read()).cache).toBe('hit');

    const { planRun: run } = await mutate<{ planRun: { id: string; version: number } }>(
      `mutation ($input: PlanRunInput!) { planRun(input: $input) { id version } }`,
      {
        input: {
          provinceCode: PROVINCE,
          programId: program.id,
          batch: nextBatch++,
          startsOn: `${YEAR}-03-03`,
          endsOn: `${YEAR}-03-07`,
          quota: 10,
        },
      },
    );
    const planned = await read();
    expect(planned.cache).toBe('miss');
    expect((planned.body.data as Stats).regionalOffice.trainingStats.runs).toBe(
      before.regionalOffice.trainingStats.runs + 1,
    );

    const setStatus = `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
      setRunStatus(id: $id, version: $version, status: $status) { version } }`;
    const opened = await mutate<{ setRunStatus: { version: number } }>(setStatus, {
      id: run.id,
      version: run.version,
      status: 'OPEN',
    });
    const { enrol } = await mutate<{ enrol: { id: string } }>(
      `mutation ($runId: ID!, $librarianId: ID!) { enrol(runId: $runId, librarianId: $librarianId) { id } }`,
      { runId: run.id, librarianId },
    );
    const afterEnrol = (await read()).body.data as Stats;
    expect(afterEnrol.regionalOffice.trainingStats.participants).toBe(
      before.regionalOffice.trainingStats.participants + 1,
    );

    await mutate(setStatus, {
      id: run.id,
      version: opened.setRunStatus.version,
      status: 'ONGOING',
    });
    const ongoing = (await read()).body.data as Stats;
    expect(ongoing.regionalOffice.runs.totalCount).toBe(before.regionalOffice.runs.totalCount + 1);

    const hours = Math.min(program.lessonHours, 30);
    await mutate(
      `mutation ($id: ID!) { recordResult(enrolmentId: $id, finalScore: 80, lessonHoursEarned: ${hours}) { id } }`,
      { id: enrol.id },
    );
    const recorded = await read();
    expect(recorded.cache).toBe('miss');
    const stats = (recorded.body.data as Stats).regionalOffice.trainingStats;
    expect(stats.completed).toBe(before.regionalOffice.trainingStats.completed + 1);
    expect(stats.lessonHoursDelivered).toBe(
      before.regionalOffice.trainingStats.lessonHoursDelivered + hours,
    );
  });

  it('never gives one viewer an answer cached for another who may not share it (generated)', async () => {
    const viewers = {
      anonymous: undefined as string | undefined,
      analyst,
      admin,
      operator31: await tokenFor('regional-operator', '31'),
      operator32: await tokenFor('regional-operator', '32'),
      // Another person with the same role and province: shares role data, never personal data.
      otherOperator32: await tokenFor('regional-operator', '32', { subject: 'operator-32-b' }),
    };
    type ViewerName = keyof typeof viewers;
    const who: Record<ViewerName, { role: string; province: string; subject: string }> = {
      anonymous: { role: '', province: '', subject: '' },
      analyst: { role: 'analyst', province: '', subject: 'dev-analyst' },
      admin: { role: 'admin', province: '', subject: 'dev-admin' },
      operator31: { role: 'operator', province: '31', subject: 'dev-regional-operator' },
      operator32: { role: 'operator', province: '32', subject: 'dev-regional-operator' },
      otherOperator32: { role: 'operator', province: '32', subject: 'operator-32-b' },
    };
    const { librarians } = await query<{ librarians: { edges: { node: { id: string } }[] } }>(
      `{ librarians(first: 1, filter: { provinceCode: "32" }) { edges { node { id } } } }`,
      {},
      { token: admin },
    );
    const librarianId = librarians.edges[0]!.node.id;
    // Each operation with who may share its answer, as the contract defines it.
    const nonce = randomUUID();
    const operations = {
      catalogue: { audience: 'public', text: `{ regionalOffices { name } } # ${nonce}` },
      dashboard: {
        audience: 'viewer',
        text: `{ regionalOffices { provinceCode trainingStats(year: 2024) { runs participants completed }
          librarianStats { librarians certified } } } # ${nonce}`,
      },
      profile: {
        audience: 'personal',
        text: `{ librarian(id: "${librarianId}") { name nip level
          enrolments { status } } } # ${nonce}`,
      },
    } as const;
    type OperationName = keyof typeof operations;
    const shareClass = (viewer: ViewerName, operation: OperationName) => {
      const { role, province, subject } = who[viewer];
      switch (operations[operation].audience) {
        case 'public':
          return `${operation}`;
        case 'viewer':
          return `${operation}|${role}|${province}`;
        case 'personal':
          return `${operation}|${role}|${province}|${subject}`;
      }
    };

    /** What the model says was stored, by share class: the text first served to that class. */
    const stored = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom(...(Object.keys(viewers) as ViewerName[])),
            fc.constantFrom(...(Object.keys(operations) as OperationName[])),
          ),
          { minLength: 5, maxLength: 25 },
        ),
        async (steps) => {
          for (const [viewer, operation] of steps) {
            const shareable = shareClass(viewer, operation);
            const reply = await ask(next(), operations[operation].text, {}, viewers[viewer]);
            const expected = stored.get(shareable);
            if (reply.cache === 'hit') {
              // Only what was served to the same share class may come back.
              expect([viewer, operation, reply.text]).toEqual([viewer, operation, expected]);
            } else {
              // Computed: nothing was stored for this class (personal answers never are,
              // decision 29).
              expect(['miss', 'bypass']).toContain(reply.cache);
              expect([viewer, operation, expected]).toEqual([viewer, operation, undefined]);
              const personal = operations[operation].audience === 'personal';
              if (!reply.body.errors && !personal) stored.set(shareable, reply.text);
            }
          }
        },
      ),
      { numRuns: 8 },
    );
    // The run met every kind of sharing: something was answered from the cache.
    expect(stored.size).toBeGreaterThan(3);
  });
});
