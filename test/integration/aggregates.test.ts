import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDataSource, type AggregateReport } from '@coop/common';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { freePort, ROOT, spawnTypeScript, stopProcess } from '../../scripts/lib/processes';
import { bpsdmRegionalService } from '../../services/bpsdm-regional';
import { recountBpsdmRegional } from '../../services/bpsdm-regional/recount';
import { libraryService } from '../../services/library';
import { librarianStatsOn } from '../../services/library/librarian-stats';
import { recountLibrary } from '../../services/library/recount';
import { createThrowawayDatabase } from '../support/databases';
import { freshNip } from '../support/nips';
import { graphql, query, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * The aggregates the services keep (training counts per office and year, librarian counts per
 * province and level) stay equal to a recount from their source rows whatever writes race, give
 * the certified count exactly for any day, and `npm run recount` finds and repairs a corrupted
 * row. Every write here is in a province and a year of its own, so the other test files'
 * figures do not move.
 */

/** The stack pins today's date (global-setup.ts); expectations use the same day. */
const TODAY = '2026-11-25';
const PROVINCE = '62';
const OTHER_PROVINCE = '63';
const YEAR = 2032;

let admin: string;
let operator: string;
let programId: string;
let librarianIds: string[];
let library: DataSource;
let regional: DataSource;

beforeAll(async () => {
  process.env.TODAY = TODAY;
  [admin, operator] = await Promise.all([
    tokenFor('admin'),
    tokenFor('regional-operator', PROVINCE),
  ]);
  const data = await query<{
    trainingPrograms: { edges: { node: { id: string; lessonHours: number } }[] };
    librarians: { edges: { node: { id: string } }[] };
  }>(
    `{ trainingPrograms(first: 50) { edges { node { id lessonHours } } }
       librarians(first: 60) { edges { node { id } } } }`,
    {},
    { token: admin },
  );
  // Results below earn up to 24 lesson hours: a program other test files create may have fewer.
  programId = data.trainingPrograms.edges.find((edge) => edge.node.lessonHours >= 24)!.node.id;
  librarianIds = data.librarians.edges.map((edge) => edge.node.id);
  expect(librarianIds.length).toBe(60);
  library = openDataSource(libraryService, testStack().databaseUrls.library);
  regional = openDataSource(bpsdmRegionalService, testStack().databaseUrls['bpsdm-regional']);
  await Promise.all([library.initialize(), regional.initialize()]);
});

afterAll(async () => {
  await Promise.all([library?.destroy(), regional?.destroy()]);
});

/** Sends one mutation; its errors are returned, not thrown: some racers are meant to lose. */
const mutate = <T>(text: string, variables: Record<string, unknown>, token = admin) =>
  graphql<T>(text, variables, { token });

function dataOf<T>(result: GraphQLResponse<T>): T {
  if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

/** Every difference between the kept rows and a recount, named by aggregate. */
const differencesIn = (reports: AggregateReport[]) =>
  Object.fromEntries(reports.map((report) => [report.name, report.differences]));

describe('training counts per office and year', () => {
  interface Run {
    id: string;
    version: number;
    status: string;
  }
  interface Enrolment {
    id: string;
    run: { id: string };
  }
  const RUN = 'id version status';
  const PLAN = `mutation ($input: PlanRunInput!) { planRun(input: $input) { ${RUN} } }`;
  const SET_STATUS = `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
    setRunStatus(id: $id, version: $version, status: $status) { ${RUN} } }`;
  const ENROL = `mutation ($runId: ID!, $librarianId: ID!) {
    enrol(runId: $runId, librarianId: $librarianId) { id run { id } } }`;
  const WITHDRAW = `mutation ($id: ID!) { withdrawEnrolment(id: $id) { id } }`;
  const RECORD = `mutation ($id: ID!, $score: Float!, $hours: Int!) {
    recordResult(enrolmentId: $id, finalScore: $score, lessonHoursEarned: $hours) { id } }`;

  let batch = 600;
  const plan = (startsOn: string, endsOn: string) =>
    mutate<{ planRun: Run }>(PLAN, {
      input: { provinceCode: PROVINCE, programId, batch: batch++, startsOn, endsOn, quota: 30 },
    });
  const setStatus = (run: Run, status: string, token = admin) =>
    mutate<{ setRunStatus: Run }>(SET_STATUS, { id: run.id, version: run.version, status }, token);

  const expectRecounted = async () => {
    const [report] = await recountBpsdmRegional(regional, { repair: false, today: TODAY });
    expect(report!.differences).toEqual([]);
  };

  it('equal a recount after each burst of concurrent writes to one office and year', async () => {
    const runs = (
      await Promise.all(
        [1, 2, 3, 4].map((month) => plan(`${YEAR}-0${month}-02`, `${YEAR}-0${month}-06`)),
      )
    ).map((result) => dataOf(result).planRun);
    const open = (await Promise.all(runs.map((run) => setStatus(run, 'OPEN', operator)))).map(
      (result) => dataOf(result).setRunStatus,
    );

    // Twelve librarians into each run at once, by an admin: they work in every province, and
    // an operator enrols only its own province's librarians (decision 14).
    const enrolments = (
      await Promise.all(
        open.flatMap((run, r) =>
          librarianIds
            .slice(r * 12, r * 12 + 12)
            .map((librarianId) =>
              mutate<{ enrol: Enrolment }>(ENROL, { runId: run.id, librarianId }),
            ),
        ),
      )
    ).map((result) => dataOf(result).enrol);
    const ofRun = (run: Run) => enrolments.filter((e) => e.run.id === run.id);

    await expectRecounted();

    // Results and withdrawals at once: only enrolments change, all in one office and year.
    const ongoing = dataOf(await setStatus(open[0]!, 'ONGOING')).setRunStatus;
    for (const result of await Promise.all([
      ...ofRun(ongoing).map((e, i) =>
        mutate(RECORD, { id: e.id, score: 70 + i, hours: 20 + (i % 5) }, i % 2 ? operator : admin),
      ),
      ...ofRun(open[1]!)
        .slice(0, 5)
        .map((e) => mutate(WITHDRAW, { id: e.id }, operator)),
    ])) {
      dataOf(result);
    }
    await expectRecounted();

    // A cancellation racing enrolments into that run and another, and new runs.
    const settled = await Promise.all([
      setStatus(open[2]!, 'CANCELLED', operator),
      ...librarianIds
        .slice(48, 56)
        .map((librarianId, i) =>
          mutate(ENROL, { runId: (i % 2 ? open[2]! : open[3]!).id, librarianId }),
        ),
      plan(`${YEAR}-05-04`, `${YEAR}-05-08`),
      plan(`${YEAR + 1}-01-10`, `${YEAR + 1}-01-12`),
    ]);
    // Enrolments into the run being cancelled may lose the race; nothing else may fail.
    const failed = settled.filter((result) => result.errors?.length);
    for (const result of failed) expect(result.errors![0]!.extensions?.field).toBe('runId');
    expect(failed.length).toBeLessThanOrEqual(4);
    await expectRecounted();

    // And the API answers what the source rows say (an oracle written here, not the view).
    const [expected] = (await regional.query(
      `SELECT count(DISTINCT r.id) AS runs,
              count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN') AS participants,
              count(e.id) FILTER (WHERE e.status = 'COMPLETED') AS completed,
              coalesce(sum(e.lesson_hours_earned) FILTER (WHERE e.status <> 'WITHDRAWN'), 0)
                AS "lessonHoursDelivered"
         FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
         LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
        WHERE o.province_code = $1 AND r.status <> 'CANCELLED'
          AND r.starts_on BETWEEN $2 AND $3`,
      [PROVINCE, `${YEAR}-01-01`, `${YEAR}-12-31`],
    )) as Record<string, number>[];
    const answer = await query<{ regionalOffice: { trainingStats: Record<string, number> } }>(
      `{ regionalOffice(provinceCode: "${PROVINCE}") {
          trainingStats(year: ${YEAR}) { runs participants completed lessonHoursDelivered } } }`,
      {},
      { token: admin },
    );
    expect(answer.regionalOffice.trainingStats).toEqual(expected);
    expect(expected).toMatchObject({ runs: 4, completed: 12 });

    // Without a year: every year of the office, the seed's included.
    const [everyYear] = (await regional.query(
      `SELECT count(DISTINCT r.id) AS runs,
              count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN') AS participants
         FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
         LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
        WHERE o.province_code = $1 AND r.status <> 'CANCELLED'`,
      [PROVINCE],
    )) as Record<string, number>[];
    const all = await query<{ regionalOffice: { trainingStats: Record<string, number> } }>(
      `{ regionalOffice(provinceCode: "${PROVINCE}") { trainingStats { runs participants } } }`,
      {},
      { token: admin },
    );
    expect(all.regionalOffice.trainingStats).toEqual(everyYear);
    expect(everyYear!.runs).toBeGreaterThan(expected!.runs!);
  });

  it('follow a change of a run’s dates and office made by any path, even plain SQL', async () => {
    const run = dataOf(await plan(`${YEAR}-06-01`, `${YEAR}-06-05`)).planRun;
    const opened = dataOf(await setStatus(run, 'OPEN')).setRunStatus;
    dataOf(await mutate(ENROL, { runId: opened.id, librarianId: librarianIds[59] }));
    // No mutation moves a run to another year or office yet; the triggers must follow anyway.
    await regional.query(
      `UPDATE bpsdm_regional.program_run
          SET starts_on = starts_on + 365, ends_on = ends_on + 365,
              office_id = (SELECT id FROM bpsdm_regional.regional_office WHERE province_code = $2)
        WHERE id = $1`,
      [run.id, OTHER_PROVINCE],
    );
    const [report] = await recountBpsdmRegional(regional, { repair: false, today: TODAY });
    expect(report!.differences).toEqual([]);
    const [moved] = (await regional.query(
      `SELECT s.runs, s.participants FROM bpsdm_regional.office_training_stats s
         JOIN bpsdm_regional.regional_office o ON o.id = s.office_id
        WHERE o.province_code = $1 AND s.year = $2`,
      [OTHER_PROVINCE, YEAR + 1],
    )) as { runs: number; participants: number }[];
    expect(moved).toEqual({ runs: 1, participants: 1 });
  });
});

describe('librarian counts per province and level', () => {
  interface Librarian {
    id: string;
    version: number;
  }
  const REGISTER = `mutation ($input: RegisterLibrarianInput!) {
    registerLibrarian(input: $input) { id version } }`;
  const UPDATE = `mutation ($id: ID!, $version: Int!, $input: UpdateLibrarianInput!) {
    updateLibrarian(id: $id, version: $version, input: $input) { id version } }`;
  const ASSESS = `mutation ($input: RecordAssessmentInput!) {
    recordAssessment(input: $input) { number } }`;
  const REVOKE = `mutation ($n: ID!) {
    revokeCertificate(number: $n, reason: "Dokumen persyaratan tidak sah") { number } }`;

  const assess = (librarianId: string, assessedOn: string, result = 'COMPETENT') =>
    mutate<{ recordAssessment: { number: string } }>(ASSESS, {
      input: { librarianId, schemeCode: 'LP', assessedOn, result },
    });

  const expectRecounted = async () => {
    const reports = await recountLibrary(library, { repair: false, today: TODAY });
    expect(differencesIn(reports)).toEqual({
      'library.librarian.certified_until': [],
      'library.librarian_stats': [],
    });
  };

  it('equal a recount after concurrent registrations, moves, assessments and revocations', async () => {
    const people = (
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          mutate<{ registerLibrarian: Librarian }>(REGISTER, {
            input: {
              nip: freshNip(),
              name: `Pustakawan Uji ${i}`,
              category: 'SKILLED',
              level: 'MAHIR',
              grade: 'III/a',
              employer: 'Dinas Perpustakaan Provinsi Kalimantan Tengah',
              provinceCode: PROVINCE,
            },
          }),
        ),
      )
    ).map((result) => dataOf(result).registerLibrarian);
    await expectRecounted();

    // Certificates valid on TODAY, one that lapses tomorrow, one that lapsed last week, a
    // failed assessment; and half of the people moving level or province, all at once.
    const burst = await Promise.all([
      ...people.map((person) => assess(person.id, '2026-10-01')),
      ...people.slice(0, 5).map((person) => assess(person.id, '2023-11-25')),
      ...people.slice(5, 8).map((person) => assess(person.id, '2023-11-18')),
      ...people.slice(7).map((person) => assess(person.id, '2026-09-09', 'NOT_YET_COMPETENT')),
      ...people
        .slice(0, 3)
        .map((person) =>
          mutate(UPDATE, { id: person.id, version: person.version, input: { level: 'PENYELIA' } }),
        ),
      ...people.slice(3, 5).map((person) =>
        mutate(UPDATE, {
          id: person.id,
          version: person.version,
          input: { provinceCode: OTHER_PROVINCE },
        }),
      ),
    ]);
    for (const result of burst) dataOf(result);
    const issued = burst
      .slice(0, 10)
      .map((result) => (result.data as { recordAssessment: { number: string } }).recordAssessment);
    await expectRecounted();
    // Revocations alone (certificates change, people do not), then new assessments.
    for (const result of await Promise.all(
      issued.slice(0, 6).map(({ number }) => mutate(REVOKE, { n: number })),
    )) {
      dataOf(result);
    }
    await expectRecounted();
    for (const result of await Promise.all(
      people.slice(0, 4).map((person) => assess(person.id, '2025-02-02')),
    )) {
      dataOf(result);
    }
    await expectRecounted();

    const answer = await query<{
      a: { librarianStats: { librarians: number; certified: number } };
      b: { librarianStats: { librarians: number; certified: number } };
    }>(
      `{ a: regionalOffice(provinceCode: "${PROVINCE}") { librarianStats { librarians certified } }
         b: regionalOffice(provinceCode: "${OTHER_PROVINCE}") { librarianStats { librarians certified } } }`,
      {},
      { token: admin },
    );
    for (const [alias, provinceCode] of [
      ['a', PROVINCE],
      ['b', OTHER_PROVINCE],
    ] as const) {
      expect(answer[alias].librarianStats).toEqual(
        await liveLibrarianCounts(library, provinceCode, TODAY),
      );
    }
  });
});

/** The oracle: librarians of a province and how many hold a certificate valid on `day`. */
async function liveLibrarianCounts(
  db: Pick<DataSource, 'query'>,
  provinceCode: string,
  day: string,
): Promise<{ librarians: number; certified: number }> {
  const [row] = (await db.query(
    `SELECT count(*) AS librarians,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM library.certification c
               WHERE c.librarian_id = l.id AND c.result = 'COMPETENT' AND c.expires_on >= $2
                 AND (c.revoked_on IS NULL OR c.revoked_on > $2))) AS certified
       FROM library.librarian l WHERE l.province_code = $1`,
    [provinceCode, day],
  )) as { librarians: number; certified: number }[];
  return row!;
}

describe('the certified count', () => {
  const addDays = (day: string, days: number) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

  it('is exact on either side of a certificate’s expiry or revocation, whatever the day', async () => {
    // Certificates ending shortly before and after the stored day, and revoked ones.
    const ends = (await library.query(
      `(SELECT c.expires_on AS day, l.province_code AS "provinceCode"
          FROM library.certification c JOIN library.librarian l ON l.id = c.librarian_id
         WHERE c.result = 'COMPETENT' AND c.revoked_on IS NULL
           AND c.expires_on BETWEEN $1::date - 200 AND $1::date - 1
         ORDER BY c.expires_on DESC, c.number LIMIT 2)
       UNION ALL
       (SELECT c.expires_on, l.province_code
          FROM library.certification c JOIN library.librarian l ON l.id = c.librarian_id
         WHERE c.result = 'COMPETENT' AND c.revoked_on IS NULL
           AND c.expires_on BETWEEN $1::date + 1 AND $1::date + 200
         ORDER BY c.expires_on, c.number LIMIT 2)
       UNION ALL
       (SELECT c.revoked_on - 1, l.province_code
          FROM library.certification c JOIN library.librarian l ON l.id = c.librarian_id
         WHERE c.revoked_on IS NOT NULL ORDER BY c.number LIMIT 2)`,
      [TODAY],
    )) as { day: string; provinceCode: string }[];
    expect(ends.length).toBeGreaterThanOrEqual(5);

    let drops = 0;
    for (const { day: lastDay, provinceCode } of ends) {
      const days = [lastDay, addDays(lastDay, 1), addDays(TODAY, -800), addDays(TODAY, 800)];
      // One snapshot for the read and the oracle: other test files write meanwhile.
      await library.transaction('REPEATABLE READ', async (manager) => {
        const certified: number[] = [];
        for (const day of days) {
          const [stats] = await librarianStatsOn(manager, [provinceCode], day);
          const live = await liveLibrarianCounts(manager, provinceCode, day);
          expect({ day, certified: stats!.certified }).toEqual({ day, certified: live.certified });
          expect(stats!.librarians).toBe(live.librarians);
          expect(stats!.byLevel.reduce((sum, level) => sum + level.certified, 0)).toBe(
            live.certified,
          );
          certified.push(live.certified);
        }
        if (certified[1]! < certified[0]!) drops += 1;
      });
    }
    // The days chosen do straddle changes: on the day after some last valid day, fewer count.
    expect(drops).toBeGreaterThan(0);
  });
});

/**
 * Two transactions on the same rows, interleaved step by step: `second` starts while `first`
 * holds its locks, and must wait for it. On a PostgreSQL server the test waits until `second`
 * is seen waiting for a lock; the embedded PostgreSQL runs one transaction at a time, so there
 * `second` simply runs after `first`.
 */
async function interleave(
  url: string,
  first: (client: Client) => Promise<void>,
  second: (client: Client) => Promise<void>,
): Promise<void> {
  const [a, b, observer] = [url, url, url].map((u) => new Client({ connectionString: u }));
  await Promise.all([a!.connect(), b!.connect(), observer!.connect()]);
  try {
    const [{ pid }] = (await b!.query('SELECT pg_backend_pid() AS pid')).rows;
    await a!.query('BEGIN');
    await first(a!);
    const secondDone = (async () => {
      await b!.query('BEGIN');
      await second(b!);
      await b!.query('COMMIT');
    })();
    if (process.env.DATABASE_URL) {
      for (let tries = 0; ; tries += 1) {
        const { rows } = await observer!.query(
          `SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`,
          [pid],
        );
        if (rows[0]?.wait_event_type === 'Lock') break;
        if (tries > 200) throw new Error('the second transaction never waited for the first');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    await a!.query('COMMIT');
    await secondDone;
  } finally {
    await Promise.all([a!.end(), b!.end(), observer!.end()]);
  }
}

describe('writes that race on the same rows', () => {
  it('an enrolment into a run that moves to another year meanwhile counts in the new year', async () => {
    const [office] = (await regional.query(
      `SELECT id FROM bpsdm_regional.regional_office WHERE province_code = $1`,
      [PROVINCE],
    )) as { id: string }[];
    const runId = crypto.randomUUID();
    await regional.query(
      `INSERT INTO bpsdm_regional.program_run
         (id, office_id, program_id, batch, starts_on, ends_on, quota, status)
       VALUES ($1, $2, $3, 701, $4, $5, 10, 'OPEN')`,
      [runId, office!.id, programId, `${YEAR}-09-01`, `${YEAR}-09-05`],
    );
    await interleave(
      testStack().databaseUrls['bpsdm-regional'],
      (mover) =>
        mover
          .query(
            `UPDATE bpsdm_regional.program_run
                SET starts_on = starts_on + 365, ends_on = ends_on + 365 WHERE id = $1`,
            [runId],
          )
          .then(() => undefined),
      (enroller) =>
        enroller
          .query(
            `INSERT INTO bpsdm_regional.enrolment (id, run_id, librarian_id, status, enrolled_on)
             VALUES ($1, $2, $3, 'REGISTERED', $4)`,
            [crypto.randomUUID(), runId, librarianIds[0], TODAY],
          )
          .then(() => undefined),
    );
    const [report] = await recountBpsdmRegional(regional, { repair: false, today: TODAY });
    expect(report!.differences).toEqual([]);
  });

  it('two certificates recorded at once for one librarian: the later end wins', async () => {
    const [person] = (await library.query(
      `SELECT id FROM library.librarian WHERE province_code = $1 ORDER BY id LIMIT 1`,
      [OTHER_PROVINCE],
    )) as { id: string }[];
    const certificate = (number: string, assessedOn: string, expiresOn: string) =>
      `INSERT INTO library.certification
         (number, scheme_code, librarian_id, result, assessed_on, issued_on, expires_on)
       VALUES ('${number}', 'LP', '${person!.id}', 'COMPETENT', '${assessedOn}', '${assessedOn}',
               '${expiresOn}')`;
    const stamp = Date.now();
    await interleave(
      testStack().databaseUrls.library,
      (first) =>
        first
          .query(certificate(`TEST/${stamp}/1`, '2026-11-01', '2029-11-01'))
          .then(() => undefined),
      (second) =>
        second
          .query(certificate(`TEST/${stamp}/2`, '2026-06-01', '2029-06-01'))
          .then(() => undefined),
    );
    const reports = await recountLibrary(library, { repair: false, today: TODAY });
    expect(differencesIn(reports)).toEqual({
      'library.librarian.certified_until': [],
      'library.librarian_stats': [],
    });
    const [row] = (await library.query(
      `SELECT to_char(certified_until, 'YYYY-MM-DD') AS until FROM library.librarian WHERE id = $1`,
      [person!.id],
    )) as { until: string }[];
    expect(row!.until).toBe('2029-11-01');
  });
});

/**
 * A database of the test's own: one on the stack's PostgreSQL server when there is one, else an
 * embedded PostgreSQL in its own process. Commands reach it through DATABASE_URL.
 */
async function ownDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const url = await createThrowawayDatabase(server, 'coop_recount');
    const name = new URL(url).pathname.slice(1);
    return {
      url,
      drop: async () => {
        const client = new Client({ connectionString: server });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-recount-pg-'));
  const port = await freePort();
  const child = spawnTypeScript(
    'scripts/embedded-db.ts',
    { ...process.env, EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: String(port) },
    'pipe',
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('embedded-db ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`embedded-db exited (${code}): ${output}`)));
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    drop: async () => {
      await stopProcess(child, 5000);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `npm run <script> -- <args>` as a user would; resolves with its exit code and output. */
function npmRun(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run recount', () => {
  let own: { url: string; drop: () => Promise<void> } | undefined;

  afterAll(async () => {
    await own?.drop();
  }, 60_000);

  it('finds a corrupted row with --check (exit 1) and repairs it without', async () => {
    own = await ownDatabase();
    // One connection per service process: the embedded PostgreSQL serves one at a time.
    const env = { DATABASE_URL: own.url, DB_POOL_SIZE: '1', TODAY };
    const seeded = await npmRun('seed', ['--scale', 'small'], env);
    expect(seeded).toMatchObject({ code: 0 });
    // Seeding recounted: the kept rows match.
    const clean = await npmRun('recount', ['--check'], env);
    expect(clean.code).toBe(0);
    expect(clean.output).not.toMatch(/differ/);

    const db = new Client({ connectionString: own.url });
    await db.connect();
    let corrupted: { office: string; year: number; province: string; level: string };
    try {
      [corrupted] = (
        await db.query(
          `WITH office AS (
             UPDATE bpsdm_regional.office_training_stats SET participants = participants + 3
              WHERE (office_id, year) = (SELECT office_id, year FROM bpsdm_regional.office_training_stats
                                          ORDER BY office_id, year LIMIT 1)
             RETURNING office_id, year),
           province AS (
             UPDATE library.librarian_stats SET certified = certified + 1
              WHERE (province_code, level) = (SELECT province_code, level FROM library.librarian_stats
                                               ORDER BY province_code, level LIMIT 1)
             RETURNING province_code, level)
           SELECT office.office_id AS office, office.year, province.province_code AS province,
                  province.level
             FROM office, province`,
        )
      ).rows;
    } finally {
      await db.end();
    }

    const check = await npmRun('recount', ['--check'], env);
    expect(check.code).toBe(1);
    expect(check.output).toContain(`office_id=${corrupted!.office} year=${corrupted!.year}`);
    expect(check.output).toContain(
      `province_code=${corrupted!.province} level=${corrupted!.level}`,
    );
    expect(check.output).toMatch(/bpsdm_regional\.office_training_stats: 1 row\(s\) differ/);
    expect(check.output).toMatch(/library\.librarian_stats: 1 row\(s\) differ/);
    // --check repairs nothing.
    expect((await npmRun('recount', ['--check'], env)).code).toBe(1);

    const repair = await npmRun('recount', [], env);
    expect(repair.code).toBe(0);
    expect(repair.output).toMatch(
      /office_training_stats: 1 row\(s\) differ from a recount, repaired/,
    );
    const after = await npmRun('recount', ['--check'], env);
    expect(after.code).toBe(0);
    expect(after.output).not.toMatch(/differ/);
  }, 240_000);
});
