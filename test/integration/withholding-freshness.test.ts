import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { graphql, query, testStack, tokenFor, uncachedText } from '../support/stack';

/**
 * Whether one office's figure is withheld depends on every office's counts (decision 23): a
 * write in one province can publish or withhold a figure of another. The freshness invariant
 * (decision 21) must hold for that too: after a write's response, every gateway answers what
 * the graph computes now. Two gateways share Redis; fast-check generates enrolments into and
 * withdrawals from a small group in province B beside a group of eight in province A, with
 * reads of A's, B's and the national figure by an analyst and by A's operator on either
 * gateway, each read asked again after every write.
 */

const A = '17';
const B = '18';
/** Years of their own, one per generated run: no other test file plans runs in them. */
const FIRST_YEAR = 2080;

type Reader = 'analyst' | 'operatorA';
type Figure = 'A' | 'B' | 'national';
type Command =
  | { kind: 'enrol' }
  | { kind: 'withdraw'; pick: number }
  | { kind: 'read'; reader: Reader; figure: Figure; gateway: number };

const PLAN = `mutation ($input: PlanRunInput!) { planRun(input: $input) { id version } }`;
const SET_STATUS = `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
  setRunStatus(id: $id, version: $version, status: $status) { version } }`;
const ENROL = `mutation ($runId: ID!, $librarianId: ID!) {
  enrol(runId: $runId, librarianId: $librarianId) { id } }`;
const WITHDRAW = `mutation ($id: ID!) { withdrawEnrolment(id: $id) { id } }`;
const RECORD = `mutation ($id: ID!) {
  recordResult(enrolmentId: $id, finalScore: 80, lessonHoursEarned: 1) { id } }`;

const STATS = 'participants completed completionRate withheld { field reason }';
const readText = (figure: Figure, year: number) =>
  figure === 'national'
    ? `{ nationalTrainingStats(year: ${year}) { ${STATS} } }`
    : `{ regionalOffice(provinceCode: "${figure === 'A' ? A : B}") {
        trainingStats(year: ${year}) { ${STATS} } } }`;

describe('withholding that a write in another province changes', () => {
  const gateways: RunningService[] = [];
  const tokens = {} as Record<Reader | 'admin', string>;
  let programId: string;
  let librarianIds: string[];
  let batch = 700;

  beforeAll(async () => {
    const settings = {
      ...cacheSettingsFromEnv(),
      enabled: true,
      redisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      redisKeyPrefix: `coop-test:${randomUUID()}:`,
    };
    const urls = Object.fromEntries(
      Object.entries(testStack().subgraphUrls).map(([name, base]) => [name, `${base}/graphql`]),
    );
    for (let i = 0; i < 2; i += 1) {
      gateways.push(await startGateway(await freePort(), urls, limitsFromEnv(), settings));
    }
    [tokens.admin, tokens.analyst, tokens.operatorA] = await Promise.all([
      tokenFor('admin'),
      tokenFor('analyst'),
      tokenFor('regional-operator', A),
    ]);
    const data = await query<{
      trainingPrograms: { edges: { node: { id: string } }[] };
      librarians: { edges: { node: { id: string } }[] };
    }>(
      `{ trainingPrograms(first: 1) { edges { node { id } } }
         librarians(first: 20) { edges { node { id } } } }`,
      {},
      { token: tokens.admin },
    );
    programId = data.trainingPrograms.edges[0]!.node.id;
    librarianIds = data.librarians.edges.map((edge) => edge.node.id);
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  });

  const write = async <T>(text: string, variables: Record<string, unknown>) => {
    const result = await graphql<T>(text, variables, {
      url: gateways[batch % 2]!.url,
      token: tokens.admin,
    });
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data as T;
  };

  /** A run of `year` in `province`, left OPEN or (with `results`) ONGOING with them. */
  async function runWith(province: string, year: number, librarians: string[], results = 0) {
    const run = (
      await write<{ planRun: { id: string; version: number } }>(PLAN, {
        input: {
          provinceCode: province,
          programId,
          batch: batch++,
          startsOn: `${year}-03-05`,
          endsOn: `${year}-03-09`,
          quota: 30,
        },
      })
    ).planRun;
    let { version } = (
      await write<{ setRunStatus: { version: number } }>(SET_STATUS, {
        id: run.id,
        version: run.version,
        status: 'OPEN',
      })
    ).setRunStatus;
    const enrolments: string[] = [];
    for (const librarianId of librarians) {
      enrolments.push(
        (await write<{ enrol: { id: string } }>(ENROL, { runId: run.id, librarianId })).enrol.id,
      );
    }
    if (results > 0) {
      ({ version } = (
        await write<{ setRunStatus: { version: number } }>(SET_STATUS, {
          id: run.id,
          version,
          status: 'ONGOING',
        })
      ).setRunStatus);
      for (const id of enrolments.slice(0, results)) await write(RECORD, { id });
    }
    return { id: run.id, enrolments };
  }

  const readOn = async (gateway: number | null, reader: Reader, text: string) => {
    const result = await graphql(
      gateway === null ? uncachedText(text) : text,
      {},
      {
        url: gateway === null ? undefined : gateways[gateway]!.url,
        token: tokens[reader],
      },
    );
    return JSON.stringify(result);
  };

  it('is seen on every gateway as soon as the write is answered', async () => {
    let year = FIRST_YEAR;
    /** A's figure as the analyst saw it: withheld, and published, at least once each. */
    const seenOfA = new Set<string>();

    const state = (answer: string) => (answer.includes('"withheld":[]') ? 'published' : 'withheld');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 3, arbitrary: fc.constant<Command>({ kind: 'enrol' }) },
            {
              weight: 1,
              arbitrary: fc.nat(20).map<Command>((pick) => ({ kind: 'withdraw', pick })),
            },
            {
              weight: 3,
              arbitrary: fc.record({
                kind: fc.constant('read' as const),
                reader: fc.constantFrom<Reader>('analyst', 'operatorA'),
                figure: fc.constantFrom<Figure>('A', 'B', 'national'),
                gateway: fc.nat(1),
              }),
            },
          ),
          { minLength: 6, maxLength: 14 },
        ),
        async (commands) => {
          const runYear = year++;
          // A: eight people, four with a result; B: a small group of two, to grow and shrink.
          await runWith(A, runYear, librarianIds.slice(0, 8), 4);
          const bRun = await runWith(B, runYear, librarianIds.slice(8, 10));
          let enrolled = [...bRun.enrolments];
          let nextLibrarian = 10;
          // B's group of two is small: A's figure starts withheld.
          seenOfA.add(state(await readOn(null, 'analyst', readText('A', runYear))));
          /** The documents read so far, by reader: each is asked again after every write. */
          const asked = new Map<string, { reader: Reader; text: string }>();
          const expectFresh = async () => {
            for (const { reader, text } of asked.values()) {
              for (let attempt = 0; ; attempt += 1) {
                const truth = await readOn(null, reader, text);
                const seen = await Promise.all([0, 1].map((g) => readOn(g, reader, text)));
                // Another test file's write between the reads changes the truth: ask again.
                if (truth !== (await readOn(null, reader, text)) && attempt < 3) continue;
                expect(seen).toEqual([truth, truth]);
                break;
              }
            }
          };
          for (const command of commands) {
            if (command.kind === 'read') {
              const text = readText(command.figure, runYear);
              asked.set(`${command.reader} ${text}`, { reader: command.reader, text });
              const answer = await readOn(command.gateway, command.reader, text);
              expect(answer).toBe(await readOn(null, command.reader, text));
              if (command.reader === 'analyst' && command.figure === 'A') {
                seenOfA.add(answer.includes('"withheld":[]') ? 'published' : 'withheld');
              }
              continue;
            }
            if (command.kind === 'enrol') {
              if (nextLibrarian >= librarianIds.length) continue;
              const librarianId = librarianIds[nextLibrarian++]!;
              enrolled.push(
                (await write<{ enrol: { id: string } }>(ENROL, { runId: bRun.id, librarianId }))
                  .enrol.id,
              );
            } else {
              if (enrolled.length === 0) continue;
              const id = enrolled[command.pick % enrolled.length]!;
              await write(WITHDRAW, { id });
              enrolled = enrolled.filter((other) => other !== id);
            }
            await expectFresh();
          }
          // B's group grows past the threshold (A's figure is published), then the end state.
          seenOfA.add(state(await readOn(null, 'analyst', readText('A', runYear))));
          while (enrolled.length < 6 && nextLibrarian < librarianIds.length) {
            const librarianId = librarianIds[nextLibrarian++]!;
            enrolled.push(
              (await write<{ enrol: { id: string } }>(ENROL, { runId: bRun.id, librarianId })).enrol
                .id,
            );
          }
          // And the end state, read by everyone on both gateways.
          for (const reader of ['analyst', 'operatorA'] as const) {
            for (const figure of ['A', 'B', 'national'] as const) {
              const text = readText(figure, runYear);
              asked.set(`${reader} ${text}`, { reader, text });
            }
          }
          await expectFresh();
          seenOfA.add(state(await readOn(null, 'analyst', readText('A', runYear))));
        },
      ),
      { numRuns: 5, endOnFailure: true },
    );
    // The generated writes did move A's figure between withheld and published.
    expect([...seenOfA].sort()).toEqual(['published', 'withheld']);
  });
});
