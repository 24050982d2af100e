import { randomUUID } from 'node:crypto';
import { openDataSource } from '@coop/common';
import fc from 'fast-check';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { bpsdmRegionalService } from '../../services/bpsdm-regional';
import { recountBpsdmRegional } from '../../services/bpsdm-regional/recount';
import { graphql, query, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * The training lifecycle keeps itself consistent (decision 14), through the gateway: completing
 * a run settles its enrolments still in progress as NOT_COMPLETED, cancelling one withdraws
 * them, both in the run's transaction with an audit record per enrolment, also when two
 * operators settle a run at once; lesson hours stay within the program's; a completion
 * certificate (STTPP) number goes to a COMPLETED enrolment only; an operator enrols only its
 * own province's librarians. Every run here is at the office of province 34 in 2029, which no
 * other test file writes to, so the figures checked at the end are this file's.
 */

const PROVINCE = '34';
const YEAR = 2029;

interface Run {
  id: string;
  status: string;
  version: number;
}

interface Enrolment {
  id: string;
  status: string;
  version: number;
  finalScore: number | null;
  lessonHoursEarned: number | null;
  completionCertificateNumber: string | null;
}

interface EnrolmentRow {
  id: string;
  status: string;
  version: number;
  lesson_hours_earned: number | null;
  completion_certificate_number: string | null;
}

const RUN = 'id status version';
const ENROLMENT = 'id status version finalScore lessonHoursEarned completionCertificateNumber';
const PLAN = `mutation ($input: PlanRunInput!) { planRun(input: $input) { ${RUN} } }`;
const SET_STATUS = `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
  setRunStatus(id: $id, version: $version, status: $status) { ${RUN} } }`;
const ENROL = `mutation ($runId: ID!, $librarianId: ID!) {
  enrol(runId: $runId, librarianId: $librarianId) { ${ENROLMENT} } }`;
const WITHDRAW = `mutation ($id: ID!) { withdrawEnrolment(id: $id) { ${ENROLMENT} } }`;
const RECORD = `mutation ($id: ID!, $score: Float!, $hours: Int!) {
  recordResult(enrolmentId: $id, finalScore: $score, lessonHoursEarned: $hours) { ${ENROLMENT} } }`;

let admin: string;
let operator: string;
/** A second operator of the same office (another subject): the other party of the races. */
let colleague: string;
let programId: string;
let programHours: number;
/** Librarians who work in province 34, and one who works in 31. */
let locals: string[];
let outsider: string;
/** For the recount; statements of the test itself go through `db`. */
let regional: DataSource;
let db: Client;
let nextBatch = 700;

function dataOf<T>(result: GraphQLResponse<T>): T {
  if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

function expectRefused(result: GraphQLResponse<unknown>, code: string, field?: string) {
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.extensions?.code).toBe(code);
  if (field !== undefined) expect(error.extensions?.field).toBe(field);
  return error;
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(text, params)).rows as T[];
}

async function setStatus(run: Run, status: string, token = admin): Promise<Run> {
  return dataOf(await graphql<{ setRunStatus: Run }>(SET_STATUS, { ...run, status }, { token }))
    .setRunStatus;
}

/** A run planned at the office of 34 in 2029, OPEN. */
async function openRun(): Promise<Run> {
  const month = String(1 + (nextBatch % 12)).padStart(2, '0');
  const input = {
    provinceCode: PROVINCE,
    programId,
    batch: nextBatch++,
    startsOn: `${YEAR}-${month}-02`,
    endsOn: `${YEAR}-${month}-20`,
    quota: 30,
  };
  const run = dataOf(await graphql<{ planRun: Run }>(PLAN, { input }, { token: admin })).planRun;
  return setStatus(run, 'OPEN');
}

async function enrol(run: Run, librarianId: string, token = admin): Promise<Enrolment> {
  return dataOf(
    await graphql<{ enrol: Enrolment }>(ENROL, { runId: run.id, librarianId }, { token }),
  ).enrol;
}

/**
 * An ONGOING run with five participants of 34: `done` with a result (COMPLETED) unless
 * `withResult` is false, `left` withdrawn, and in progress one ATTENDING (only the seed makes
 * that status: set here in SQL) and two REGISTERED.
 */
async function ongoingRun(withResult = true) {
  const open = await openRun();
  const [done, left, attending, ...registered] = await Promise.all(
    locals.slice(0, 5).map((librarianId) => enrol(open, librarianId)),
  );
  dataOf(await graphql(WITHDRAW, { id: left!.id }, { token: admin }));
  const run = await setStatus(open, 'ONGOING');
  if (withResult) {
    dataOf(
      await graphql(RECORD, { id: done!.id, score: 81, hours: programHours }, { token: admin }),
    );
  }
  await sql(`UPDATE bpsdm_regional.enrolment SET status = 'ATTENDING' WHERE id = $1`, [
    attending!.id,
  ]);
  // Without a result, `done` is one more REGISTERED enrolment.
  const inProgress = [attending!, ...registered, ...(withResult ? [] : [done!])];
  return { run, done: done!, left: left!, inProgress };
}

async function enrolmentsOf(runId: string): Promise<EnrolmentRow[]> {
  return sql<EnrolmentRow>(
    `SELECT id, status, version, lesson_hours_earned, completion_certificate_number
       FROM bpsdm_regional.enrolment WHERE run_id = $1 ORDER BY id`,
    [runId],
  );
}

async function runStatus(runId: string): Promise<{ status: string; version: number }> {
  const [row] = await sql<{ status: string; version: number }>(
    `SELECT status, version FROM bpsdm_regional.program_run WHERE id = $1`,
    [runId],
  );
  return row!;
}

/** The audit records of setRunStatus on a run's enrolments: entity id → [before, after] status. */
async function settlementAudits(runId: string): Promise<Map<string, [string, string]>> {
  const rows = await sql<{ entity_id: string; before: string; after: string }>(
    `SELECT a.entity_id, a.before->>'status' AS before, a.after->>'status' AS after
       FROM bpsdm_regional.audit_record a
       JOIN bpsdm_regional.enrolment e ON e.id::text = a.entity_id
      WHERE e.run_id = $1 AND a.entity = 'Enrolment' AND a.action = 'setRunStatus'`,
    [runId],
  );
  return new Map(rows.map((row) => [row.entity_id, [row.before, row.after]]));
}

beforeAll(async () => {
  [admin, operator, colleague] = await Promise.all([
    tokenFor('admin'),
    tokenFor('regional-operator', PROVINCE),
    tokenFor('regional-operator', PROVINCE, { subject: 'operator-34-colleague' }),
  ]);
  const data = await query<{
    trainingPrograms: { edges: { node: { id: string; lessonHours: number } }[] };
    locals: { edges: { node: { id: string } }[] };
    outsiders: { edges: { node: { id: string } }[] };
  }>(
    `{ trainingPrograms(first: 1) { edges { node { id lessonHours } } }
       locals: librarians(first: 8, filter: { provinceCode: "${PROVINCE}" }) { edges { node { id } } }
       outsiders: librarians(first: 1, filter: { provinceCode: "31" }) { edges { node { id } } } }`,
    {},
    { token: admin },
  );
  programId = data.trainingPrograms.edges[0]!.node.id;
  programHours = data.trainingPrograms.edges[0]!.node.lessonHours;
  locals = data.locals.edges.map((edge) => edge.node.id);
  outsider = data.outsiders.edges[0]!.node.id;
  expect(locals).toHaveLength(8);
  regional = openDataSource(bpsdmRegionalService, testStack().databaseUrls['bpsdm-regional']);
  db = new Client({ connectionString: testStack().databaseUrls['bpsdm-regional'] });
  await Promise.all([regional.initialize(), db.connect()]);
});

afterAll(async () => {
  await Promise.all([regional?.destroy(), db?.end()]);
});

describe('completing a run', () => {
  it('settles every enrolment still in progress as NOT_COMPLETED, with an audit record each', async () => {
    const { run, done, left, inProgress } = await ongoingRun();
    const before = new Map((await enrolmentsOf(run.id)).map((row) => [row.id, row]));
    const completed = await setStatus(run, 'COMPLETED', operator);
    expect(completed).toMatchObject({ status: 'COMPLETED', version: run.version + 1 });

    const after = new Map((await enrolmentsOf(run.id)).map((row) => [row.id, row]));
    expect(after.get(done.id)).toEqual(before.get(done.id));
    expect(after.get(done.id)).toMatchObject({
      status: 'COMPLETED',
      lesson_hours_earned: programHours,
      completion_certificate_number: expect.stringMatching(/^STTPP\/34\/2029\/\d{5}$/),
    });
    expect(after.get(left.id)).toEqual(before.get(left.id));
    for (const { id } of inProgress) {
      expect(after.get(id)).toEqual({
        ...before.get(id),
        status: 'NOT_COMPLETED',
        version: before.get(id)!.version + 1,
        lesson_hours_earned: null,
        completion_certificate_number: null,
      });
    }
    expect(await settlementAudits(run.id)).toEqual(
      new Map([
        [inProgress[0]!.id, ['ATTENDING', 'NOT_COMPLETED']],
        [inProgress[1]!.id, ['REGISTERED', 'NOT_COMPLETED']],
        [inProgress[2]!.id, ['REGISTERED', 'NOT_COMPLETED']],
      ]),
    );
    // The participants read through the graph as the office's operator sees them.
    const seen = await query<{
      programRun: { enrolments: { edges: { node: { id: string; status: string } }[] } };
    }>(
      `query ($id: ID!) { programRun(id: $id) { enrolments(first: 10) { edges { node { id status } } } } }`,
      { id: run.id },
      { token: operator },
    );
    expect(
      Object.fromEntries(
        seen.programRun.enrolments.edges.map(({ node }) => [node.id, node.status]),
      ),
    ).toEqual({
      [done.id]: 'COMPLETED',
      [left.id]: 'WITHDRAWN',
      ...Object.fromEntries(inProgress.map(({ id }) => [id, 'NOT_COMPLETED'])),
    });
  });

  it('gives no completion certificate (STTPP) to a NOT_COMPLETED enrolment; a COMPLETED one is corrected', async () => {
    const { run, done, inProgress } = await ongoingRun();
    await setStatus(run, 'COMPLETED');
    const [number] = (await enrolmentsOf(run.id))
      .filter((row) => row.id === done.id)
      .map((row) => row.completion_certificate_number);
    const counters = await sql(`SELECT * FROM bpsdm_regional.certificate_counter ORDER BY 1, 2`);
    const refused = expectRefused(
      await graphql(RECORD, { id: inProgress[1]!.id, score: 90, hours: 10 }, { token: operator }),
      'BAD_USER_INPUT',
      'enrolmentId',
    );
    expect(refused.message).toBe(
      `enrolmentId: Enrolment ${inProgress[1]!.id} is NOT_COMPLETED: run ${run.id} was completed without a result for it, so it gets no completion certificate (STTPP); results are recorded while the run is ONGOING`,
    );
    expect(await sql(`SELECT * FROM bpsdm_regional.certificate_counter ORDER BY 1, 2`)).toEqual(
      counters,
    );
    const corrected = dataOf(
      await graphql<{ recordResult: Enrolment }>(
        RECORD,
        { id: done.id, score: 95, hours: programHours - 1 },
        { token: operator },
      ),
    ).recordResult;
    expect(corrected).toMatchObject({
      status: 'COMPLETED',
      finalScore: 95,
      completionCertificateNumber: number,
    });
    // The database itself refuses a number, or a result, on an enrolment that did not complete.
    for (const change of [
      `completion_certificate_number = 'STTPP/34/2029/99999'`,
      'lesson_hours_earned = 1',
    ]) {
      await expect(
        sql(`UPDATE bpsdm_regional.enrolment SET ${change} WHERE id = $1`, [inProgress[1]!.id]),
      ).rejects.toMatchObject({ code: '23514' });
    }
  });

  it('changes nothing when settling fails part-way: the move and every settlement, or none', async () => {
    const { run } = await ongoingRun();
    // A fault injected at the move's last write, the run's audit record: every enrolment has
    // been settled and audited by then.
    const trigger = `fail_settlement_${randomUUID().replaceAll('-', '')}`;
    await sql(`CREATE FUNCTION bpsdm_regional.${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
    await sql(`CREATE TRIGGER ${trigger} BEFORE INSERT ON bpsdm_regional.audit_record FOR EACH ROW
      WHEN (NEW.entity = 'ProgramRun' AND NEW.entity_id = '${run.id}' AND NEW.action = 'setRunStatus')
      EXECUTE FUNCTION bpsdm_regional.${trigger}()`);
    const enrolmentsBefore = await enrolmentsOf(run.id);
    const runBefore = await runStatus(run.id);
    const auditsBefore = await sql(
      `SELECT count(*)::int AS n FROM bpsdm_regional.audit_record WHERE entity_id = ANY($1)`,
      [[run.id, ...enrolmentsBefore.map((row) => row.id)]],
    );
    try {
      const result = await graphql(SET_STATUS, { ...run, status: 'COMPLETED' }, { token: admin });
      expect(result.errors).toHaveLength(1);
    } finally {
      await sql(`DROP TRIGGER ${trigger} ON bpsdm_regional.audit_record`);
      await sql(`DROP FUNCTION bpsdm_regional.${trigger}()`);
    }
    expect(await runStatus(run.id)).toEqual(runBefore);
    expect(await enrolmentsOf(run.id)).toEqual(enrolmentsBefore);
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM bpsdm_regional.audit_record WHERE entity_id = ANY($1)`,
        [[run.id, ...enrolmentsBefore.map((row) => row.id)]],
      ),
    ).toEqual(auditsBefore);
    // Without the fault the same request goes through.
    expect((await setStatus(run, 'COMPLETED')).status).toBe('COMPLETED');
  });
});

describe('cancelling a run', () => {
  it('withdraws every enrolment in progress, with an audit record each', async () => {
    const { run, left, inProgress } = await ongoingRun(false);
    const before = await enrolmentsOf(run.id);
    const cancelled = await setStatus(run, 'CANCELLED', operator);
    expect(cancelled.status).toBe('CANCELLED');
    const after = await enrolmentsOf(run.id);
    expect(after.map((row) => row.status)).toEqual(after.map(() => 'WITHDRAWN'));
    expect(after.find((row) => row.id === left.id)).toEqual(
      before.find((row) => row.id === left.id),
    );
    expect(await settlementAudits(run.id)).toEqual(
      new Map([
        [inProgress[0]!.id, ['ATTENDING', 'WITHDRAWN']],
        [inProgress[1]!.id, ['REGISTERED', 'WITHDRAWN']],
        [inProgress[2]!.id, ['REGISTERED', 'WITHDRAWN']],
        [inProgress[3]!.id, ['REGISTERED', 'WITHDRAWN']],
      ]),
    );
  });

  it('is refused for a run in which someone completed, and changes nothing', async () => {
    const { run } = await ongoingRun();
    const before = await enrolmentsOf(run.id);
    const error = expectRefused(
      await graphql(SET_STATUS, { ...run, status: 'CANCELLED' }, { token: operator }),
      'BAD_USER_INPUT',
      'status',
    );
    expect(error.message).toBe(
      `status: Run ${run.id} has 1 participant with a recorded result and a completion certificate (STTPP) number, which cancelling would void: move the run to COMPLETED instead (participants without a result then become NOT_COMPLETED)`,
    );
    expect(await runStatus(run.id)).toEqual({ status: 'ONGOING', version: run.version });
    expect(await enrolmentsOf(run.id)).toEqual(before);
  });
});

describe('two operators settling one run at once', () => {
  it('leave one consistent result: the first move wins, the other gets CONFLICT (five rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const { run, left, inProgress } = await ongoingRun(false);
      const moves = round % 2 ? ['COMPLETED', 'CANCELLED'] : ['CANCELLED', 'COMPLETED'];
      const results = await Promise.all([
        graphql<{ setRunStatus: Run }>(
          SET_STATUS,
          { ...run, status: moves[0] },
          { token: operator },
        ),
        graphql<{ setRunStatus: Run }>(
          SET_STATUS,
          { ...run, status: moves[1] },
          { token: colleague },
        ),
      ]);
      const won = results.filter((result) => !result.errors);
      const lost = results.filter((result) => result.errors);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expectRefused(lost[0]!, 'CONFLICT');
      const winner = won[0]!.data!.setRunStatus.status;
      expect(await runStatus(run.id)).toEqual({ status: winner, version: run.version + 1 });
      const settled = winner === 'COMPLETED' ? 'NOT_COMPLETED' : 'WITHDRAWN';
      const rows = await enrolmentsOf(run.id);
      expect(Object.fromEntries(rows.map((row) => [row.id, row.status]))).toEqual({
        [left.id]: 'WITHDRAWN',
        ...Object.fromEntries(inProgress.map(({ id }) => [id, settled])),
      });
      expect([...(await settlementAudits(run.id)).values()]).toEqual(
        inProgress.map(() => [expect.any(String), settled]),
      );
      const runAudits = await sql<{ after: string }>(
        `SELECT after->>'status' AS after FROM bpsdm_regional.audit_record
          WHERE entity = 'ProgramRun' AND entity_id = $1 AND after->>'status' IN ('COMPLETED', 'CANCELLED')`,
        [run.id],
      );
      expect(runAudits).toEqual([{ after: winner }]);
    }
  });

  it('a result recorded while the run is completed either comes first or is refused (five rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const { run, inProgress } = await ongoingRun(false);
      const target = inProgress[1]!.id;
      const [completed, recorded] = await Promise.all([
        graphql<{ setRunStatus: Run }>(
          SET_STATUS,
          { ...run, status: 'COMPLETED' },
          { token: operator },
        ),
        graphql(RECORD, { id: target, score: 77, hours: programHours }, { token: colleague }),
      ]);
      expect(completed.errors).toBeUndefined();
      const row = (await enrolmentsOf(run.id)).find((enrolment) => enrolment.id === target)!;
      if (recorded.errors) {
        expectRefused(recorded, 'BAD_USER_INPUT', 'enrolmentId');
        expect(row).toMatchObject({ status: 'NOT_COMPLETED', completion_certificate_number: null });
      } else {
        // The result came first: the settlement found the enrolment COMPLETED and left it.
        expect(row).toMatchObject({
          status: 'COMPLETED',
          lesson_hours_earned: programHours,
          completion_certificate_number: expect.stringMatching(/^STTPP\/34\//),
        });
        expect((await settlementAudits(run.id)).has(target)).toBe(false);
      }
    }
  });
});

describe("lessonHoursEarned and the program's lesson hours", () => {
  it("refuses any value above the program's hours and accepts any value within them", async () => {
    const open = await openRun();
    const enrolment = await enrol(open, locals[0]!, operator);
    await setStatus(open, 'ONGOING');
    const record = (hours: number) =>
      graphql<{ recordResult: Enrolment }>(
        RECORD,
        { id: enrolment.id, score: 80, hours },
        { token: operator },
      );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: programHours + 1, max: 10_000 }), async (hours) => {
        const error = expectRefused(await record(hours), 'BAD_USER_INPUT', 'lessonHoursEarned');
        expect(error.message).toBe(
          `lessonHoursEarned: lessonHoursEarned must be between 0 and ${programHours}, the lesson hours of the run's program; got ${hours}`,
        );
        const [row] = await enrolmentsOf(open.id);
        expect(row!.lesson_hours_earned).not.toBe(hours);
      }),
      { numRuns: 15 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: programHours }), async (hours) => {
        const result = await record(hours);
        expect(result.errors).toBeUndefined();
        expect(result.data!.recordResult).toMatchObject({
          status: 'COMPLETED',
          lessonHoursEarned: hours,
        });
      }),
      { numRuns: 15, examples: [[0], [programHours]] },
    );
  });
});

describe('enrolling a librarian of another province', () => {
  it("is refused to an operator, names the librarian's province, and changes nothing", async () => {
    const run = await openRun();
    const error = expectRefused(
      await graphql(ENROL, { runId: run.id, librarianId: outsider }, { token: operator }),
      'FORBIDDEN',
      'librarianId',
    );
    expect(error.message).toBe(
      `Librarian ${outsider} works in province 31; a regional operator of province 34 may enrol only librarians who work in its own province: an admin of BPSDM Kemendagri may place a librarian in another province's run`,
    );
    expect(await enrolmentsOf(run.id)).toEqual([]);
    // The operator's own librarians, and an admin's placement from another province, go through.
    expect((await enrol(run, locals[1]!, operator)).status).toBe('REGISTERED');
    expect((await enrol(run, outsider, admin)).status).toBe('REGISTERED');
  });
});

describe('the training counts after settlements', () => {
  it('equal a recount, and the API answers what the rows say', async () => {
    const [report] = await recountBpsdmRegional(regional, { repair: false, today: '2026-11-25' });
    expect(report!.differences).toEqual([]);
    const [expected] = await sql<Record<string, number>>(
      `SELECT count(DISTINCT r.id)::int AS runs,
              (count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN'))::int AS participants,
              (count(e.id) FILTER (WHERE e.status = 'COMPLETED'))::int AS completed,
              coalesce(sum(e.lesson_hours_earned) FILTER (WHERE e.status <> 'WITHDRAWN'), 0)::int
                AS "lessonHoursDelivered"
         FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
         LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
        WHERE o.province_code = $1 AND r.status <> 'CANCELLED'
          AND r.starts_on BETWEEN $2 AND $3`,
      [PROVINCE, `${YEAR}-01-01`, `${YEAR}-12-31`],
    );
    const answer = await query<{ regionalOffice: { trainingStats: Record<string, number> } }>(
      `{ regionalOffice(provinceCode: "${PROVINCE}") {
          trainingStats(year: ${YEAR}) { runs participants completed lessonHoursDelivered } } }`,
      {},
      { token: admin, fresh: true },
    );
    expect(answer.regionalOffice.trainingStats).toEqual(expected);
    expect(expected!.completed).toBeGreaterThan(0);
  });
});
