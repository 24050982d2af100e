import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { graphql, query, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * bpsdm-regional's mutations, through the gateway: each rule's success and refusal, access per
 * province, idempotency, optimistic versions, and the races the database must settle (quota,
 * facility bookings, certificate numbers). Every run these tests touch is planned here, so
 * they do not depend on the seed's runs.
 */

interface Run {
  id: string;
  status: string;
  version: number;
  batch: number;
  quota: number;
  startsOn: string;
  endsOn: string;
  enrolmentCount: number;
  office: { provinceCode: string };
  program: { id: string };
  facility: { id: string } | null;
}

interface Enrolment {
  id: string;
  status: string;
  version: number;
  finalScore: number | null;
  lessonHoursEarned: number | null;
  completionCertificateNumber: string | null;
  participant: { id: string };
  run: { id: string; enrolmentCount: number };
}

interface Booking {
  id: string;
  from: string;
  to: string;
  facility: { id: string; name: string };
  run: { id: string; version: number; facility: { id: string } | null };
}

type Result<T> = GraphQLResponse<T>;

const RUN_FIELDS = `id status version batch quota startsOn endsOn enrolmentCount
  office { provinceCode } program { id } facility { id }`;
const ENROLMENT_FIELDS = `id status version finalScore lessonHoursEarned completionCertificateNumber
  participant { id } run { id enrolmentCount }`;
const BOOKING_FIELDS = `id from to facility { id name } run { id version facility { id } }`;

const PLAN = `mutation ($input: PlanRunInput!) { planRun(input: $input) { ${RUN_FIELDS} } }`;
const SET_STATUS = `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
  setRunStatus(id: $id, version: $version, status: $status) { ${RUN_FIELDS} } }`;
const ENROL = `mutation ($runId: ID!, $librarianId: ID!, $clientKey: String) {
  enrol(runId: $runId, librarianId: $librarianId, clientKey: $clientKey) { ${ENROLMENT_FIELDS} } }`;
const WITHDRAW = `mutation ($id: ID!, $version: Int) {
  withdrawEnrolment(id: $id, version: $version) { ${ENROLMENT_FIELDS} } }`;
const RECORD = `mutation ($id: ID!, $score: Float!, $hours: Int!, $version: Int) {
  recordResult(enrolmentId: $id, finalScore: $score, lessonHoursEarned: $hours, version: $version) {
    ${ENROLMENT_FIELDS} } }`;
const BOOK = `mutation ($runId: ID!, $facilityId: ID!, $from: Date!, $to: Date!, $clientKey: String) {
  bookFacility(runId: $runId, facilityId: $facilityId, from: $from, to: $to, clientKey: $clientKey) {
    ${BOOKING_FIELDS} } }`;
const AUDIT = `query ($id: ID!) { programRun(id: $id) {
  status auditTrail { at actor role action before after } } }`;

let admin: string;
let operator32: string;
let operator31: string;
let analyst: string;
let programId: string;
let librarianIds: string[];
/** A librarian who works in province 32: its operator may enrol only those (decision 14). */
let librarianOf32: string;
let facilityIds: string[];
let db: Client;

/** Batch numbers far above the seed's, one per planned run. */
let nextBatch = 900;

/** The one error of a refused mutation, after checking that nothing else came back. */
function refusal(result: Result<unknown>) {
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}

function expectRefused(result: Result<unknown>, code: string, field?: string) {
  const error = refusal(result);
  expect(error.extensions?.code).toBe(code);
  if (field !== undefined) expect(error.extensions?.field).toBe(field);
  return error;
}

/** A token, or null for an anonymous request. */
type Token = string | null;

const as = (token: Token) => ({ token: token ?? undefined });

async function planRun(
  overrides: Record<string, unknown> = {},
  token: Token = admin,
): Promise<Result<{ planRun: Run }>> {
  return graphql<{ planRun: Run }>(
    PLAN,
    {
      input: {
        provinceCode: '32',
        programId,
        batch: nextBatch++,
        startsOn: '2027-03-01',
        endsOn: '2027-03-10',
        quota: 20,
        ...overrides,
      },
    },
    as(token),
  );
}

/** Plans a run (as admin) and moves it on to `status`. */
async function runIn(status: string, overrides: Record<string, unknown> = {}): Promise<Run> {
  const planned = await planRun(overrides);
  expect(planned.errors).toBeUndefined();
  let run = planned.data!.planRun;
  const path = ['OPEN', 'ONGOING', 'COMPLETED'];
  const moves = status === 'CANCELLED' ? ['CANCELLED'] : path.slice(0, path.indexOf(status) + 1);
  for (const next of moves) run = await setStatus(run, next);
  expect(run.status).toBe(status);
  return run;
}

async function setStatus(run: Run, status: string, token = admin): Promise<Run> {
  const data = await query<{ setRunStatus: Run }>(
    SET_STATUS,
    { id: run.id, version: run.version, status },
    { token },
  );
  return data.setRunStatus;
}

function enrol(runId: string, librarianId: string, token: Token = admin, clientKey?: string) {
  return graphql<{ enrol: Enrolment }>(ENROL, { runId, librarianId, clientKey }, as(token));
}

async function enrolled(runId: string, librarianId: string): Promise<Enrolment> {
  const result = await enrol(runId, librarianId);
  expect(result.errors).toBeUndefined();
  return result.data!.enrol;
}

function book(
  runId: string,
  facilityId: string,
  from: string,
  to: string,
  token = admin,
  clientKey?: string,
) {
  return graphql<{ bookFacility: Booking }>(
    BOOK,
    { runId, facilityId, from, to, clientKey },
    { token },
  );
}

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []) {
  return (await db.query(text, params)).rows as T[];
}

async function runRow(id: string) {
  const [row] = await sql<{ status: string; version: number; facility_id: string | null }>(
    `SELECT status, version, facility_id FROM bpsdm_regional.program_run WHERE id = $1`,
    [id],
  );
  return row;
}

async function auditCount(entityId?: string): Promise<number> {
  const [row] = await sql<{ n: string }>(
    entityId
      ? `SELECT count(*) AS n FROM bpsdm_regional.audit_record WHERE entity_id = $1`
      : `SELECT count(*) AS n FROM bpsdm_regional.audit_record`,
    entityId ? [entityId] : [],
  );
  return Number(row!.n);
}

/** Runs `action` and checks that it changed no row of the service's tables and wrote no audit. */
async function expectNothingChanged(action: () => Promise<unknown>) {
  const tables = [
    'program_run',
    'enrolment',
    'facility_booking',
    'audit_record',
    'idempotency_key',
    'certificate_counter',
  ];
  // Per table: its row count and the sum of a hash of every row, which any change moves.
  const fingerprint = async () =>
    (
      await sql<{ fp: string }>(
        `SELECT ${tables
          .map(
            (table) => `(SELECT count(*) || ':' || coalesce(sum(hashtext(t::text)::bigint), 0)
              FROM bpsdm_regional.${table} t)`,
          )
          .join(` || '/' || `)} AS fp`,
      )
    )[0]!.fp;
  const before = await fingerprint();
  await action();
  expect(await fingerprint()).toBe(before);
}

beforeAll(async () => {
  [admin, operator32, operator31, analyst] = await Promise.all([
    tokenFor('admin'),
    tokenFor('regional-operator', '32'),
    tokenFor('regional-operator', '31'),
    tokenFor('analyst'),
  ]);
  const data = await query<{
    trainingPrograms: { edges: { node: { id: string } }[] };
    librarians: { edges: { node: { id: string } }[] };
    of32: { edges: { node: { id: string } }[] };
    facilities: { id: string }[];
  }>(
    `{ trainingPrograms(first: 1) { edges { node { id } } }
       librarians(first: 100) { edges { node { id } } }
       of32: librarians(first: 1, filter: { provinceCode: "32" }) { edges { node { id } } }
       facilities { id } }`,
    {},
    { token: admin },
  );
  programId = data.trainingPrograms.edges[0]!.node.id;
  librarianIds = data.librarians.edges.map((edge) => edge.node.id);
  librarianOf32 = data.of32.edges[0]!.node.id;
  facilityIds = data.facilities.map((facility) => facility.id);
  expect(librarianIds.length).toBeGreaterThanOrEqual(60);
  expect(facilityIds.length).toBeGreaterThanOrEqual(4);
  db = new Client({ connectionString: testStack().databaseUrls['bpsdm-regional'] });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
});

describe('planRun', () => {
  it('plans a PLANNED run at the province office, with an audit record', async () => {
    const result = await planRun({
      batch: 801,
      quota: 25,
      startsOn: '2027-04-05',
      endsOn: '2027-04-09',
    });
    expect(result.errors).toBeUndefined();
    const run = result.data!.planRun;
    expect(run).toMatchObject({
      status: 'PLANNED',
      version: 1,
      batch: 801,
      quota: 25,
      startsOn: '2027-04-05',
      endsOn: '2027-04-09',
      enrolmentCount: 0,
      office: { provinceCode: '32' },
      program: { id: programId },
      facility: null,
    });
    const [row] = await sql<{ batch: number; status: string; province_code: string }>(
      `SELECT r.batch, r.status, o.province_code FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id WHERE r.id = $1`,
      [run.id],
    );
    expect(row).toEqual({ batch: 801, status: 'PLANNED', province_code: '32' });
    const audits = await sql<{
      action: string;
      entity: string;
      actor: string;
      before: unknown;
      after: { quota: number; status: string };
    }>(
      `SELECT action, entity, actor, before, after FROM bpsdm_regional.audit_record WHERE entity_id = $1`,
      [run.id],
    );
    expect(audits).toEqual([
      {
        action: 'planRun',
        entity: 'ProgramRun',
        actor: 'dev-admin',
        before: null,
        after: expect.objectContaining({ id: run.id, quota: 25, status: 'PLANNED', version: 1 }),
      },
    ]);
  });

  it('lets a regional operator plan a run at its own office', async () => {
    const result = await planRun({}, operator32);
    expect(result.errors).toBeUndefined();
    expect(result.data!.planRun.office.provinceCode).toBe('32');
  });

  it("refuses an operator of 32 planning at 31's office, and plans nothing", async () => {
    await expectNothingChanged(async () => {
      const result = await planRun({ provinceCode: '31', batch: 802 }, operator32);
      expect(result.data).toBeNull();
      expect(expectRefused(result, 'FORBIDDEN').message).toBe(
        "The new run is at the office of province 31; a regional operator of province 32 may change only its own office's runs, enrolments and bookings",
      );
    });
  });

  it('refuses anonymous callers and analysts', async () => {
    expectRefused(await planRun({}, null), 'UNAUTHENTICATED');
    expectRefused(await planRun({}, analyst), 'FORBIDDEN');
  });

  it.each([
    [{ quota: 0 }, 'input.quota', 'quota must be between 1 and 500'],
    [{ quota: 501 }, 'input.quota', 'quota must be between 1 and 500'],
    [{ batch: 0 }, 'input.batch', 'batch must be between 1 and 999'],
    [{ provinceCode: '3' }, 'input.provinceCode', 'provinceCode must be a two-digit'],
    [{ programId: 'not-an-id' }, 'input.programId', 'programId must be an id (a UUID)'],
    [
      { startsOn: '2027-05-10', endsOn: '2027-05-09' },
      'input.endsOn',
      'endsOn must be on or after startsOn',
    ],
  ])('refuses %j with BAD_USER_INPUT on %s', async (overrides, field, message) => {
    await expectNothingChanged(async () => {
      const error = expectRefused(await planRun(overrides), 'BAD_USER_INPUT', field);
      expect(error.message).toContain(message);
    });
  });

  it('refuses a province without an office and a program bpsdm-central does not know', async () => {
    const noOffice = expectRefused(
      await planRun({ provinceCode: '99' }),
      'BAD_USER_INPUT',
      'input.provinceCode',
    );
    expect(noOffice.message).toContain('No regional office has province code 99');
    const unknown = randomUUID();
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await planRun({ programId: unknown }),
        'BAD_USER_INPUT',
        'input.programId',
      );
      expect(error.message).toBe(`input.programId: No training program has id ${unknown}`);
    });
  });

  it('refuses a batch already planned with CONFLICT, leaving no row and no audit record', async () => {
    const first = await planRun({ batch: 803 });
    expect(first.errors).toBeUndefined();
    await expectNothingChanged(async () => {
      const error = expectRefused(await planRun({ batch: 803, quota: 7 }), 'CONFLICT');
      expect(error.message).toContain('Batch 803 of program');
      expect(error.message).toContain('already planned at BPSDM Provinsi Jawa Barat');
    });
    const rows = await sql(
      `SELECT id FROM bpsdm_regional.program_run WHERE program_id = $1 AND batch = 803`,
      [programId],
    );
    expect(rows).toEqual([{ id: first.data!.planRun.id }]);
  });

  it('plans once for one clientKey, however often it is sent', async () => {
    const clientKey = `plan-${randomUUID()}`;
    const [a, b] = [
      await planRun({ batch: 804, clientKey }),
      await planRun({ batch: 804, clientKey }),
    ];
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data!.planRun.id).toBe(a.data!.planRun.id);
    const rows = await sql(
      `SELECT id FROM bpsdm_regional.program_run WHERE program_id = $1 AND batch = 804`,
      [programId],
    );
    expect(rows).toHaveLength(1);
    expect(await auditCount(a.data!.planRun.id)).toBe(1);
  });
});

describe('setRunStatus', () => {
  it('moves a run PLANNED → OPEN → ONGOING → COMPLETED, versions and audit trail following', async () => {
    const run = await runIn('COMPLETED');
    expect(run.version).toBe(4);
    expect(await runRow(run.id)).toMatchObject({ status: 'COMPLETED', version: 4 });
    const trail = await query<{
      programRun: {
        auditTrail: {
          at: string;
          actor: string;
          role: string;
          action: string;
          before: string | null;
          after: string;
        }[];
      };
    }>(AUDIT, { id: run.id }, { token: admin });
    const records = trail.programRun.auditTrail;
    expect(records.map((record) => record.action)).toEqual([
      'setRunStatus',
      'setRunStatus',
      'setRunStatus',
      'planRun',
    ]);
    expect(
      records.map((record) => [
        record.before && JSON.parse(record.before).status,
        JSON.parse(record.after).status,
      ]),
    ).toEqual([
      ['ONGOING', 'COMPLETED'],
      ['OPEN', 'ONGOING'],
      ['PLANNED', 'OPEN'],
      [null, 'PLANNED'],
    ]);
    expect(records[0]).toMatchObject({ actor: 'dev-admin', role: 'admin' });
    expect(records[0]!.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('shows the audit trail to admins only', async () => {
    const run = await runIn('PLANNED');
    const result = await graphql<{ programRun: { status: string; auditTrail: unknown } }>(
      AUDIT,
      { id: run.id },
      { token: operator32 },
    );
    expect(result.data?.programRun).toEqual({ status: 'PLANNED', auditTrail: null });
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('refuses to complete a CANCELLED run, naming the allowed moves, and changes nothing', async () => {
    const run = await runIn('CANCELLED');
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await graphql(
          SET_STATUS,
          { id: run.id, version: run.version, status: 'COMPLETED' },
          { token: admin },
        ),
        'BAD_USER_INPUT',
        'status',
      );
      expect(error.message).toBe(
        'status: A CANCELLED run is final: it cannot move to COMPLETED (no move is allowed from CANCELLED)',
      );
    });
    expect(await runRow(run.id)).toMatchObject({ status: 'CANCELLED', version: 2 });
  });

  it('refuses to skip a step: PLANNED → COMPLETED', async () => {
    const run = await runIn('PLANNED');
    const error = expectRefused(
      await graphql(SET_STATUS, { id: run.id, version: 1, status: 'COMPLETED' }, { token: admin }),
      'BAD_USER_INPUT',
      'status',
    );
    expect(error.message).toContain('from PLANNED it may move only to OPEN or CANCELLED');
    expect(await runRow(run.id)).toMatchObject({ status: 'PLANNED', version: 1 });
  });

  it('refuses a stale version with CONFLICT', async () => {
    const run = await runIn('OPEN');
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await graphql(SET_STATUS, { id: run.id, version: 1, status: 'ONGOING' }, { token: admin }),
        'CONFLICT',
      );
      expect(error.message).toContain('version 2, you sent 1');
    });
    expect(await runRow(run.id)).toMatchObject({ status: 'OPEN', version: 2 });
  });

  it("refuses an operator of 32 on a run of 31's office, and changes nothing", async () => {
    const run31 = await runIn('PLANNED', { provinceCode: '31' });
    await expectNothingChanged(async () => {
      expectRefused(
        await graphql(
          SET_STATUS,
          { id: run31.id, version: 1, status: 'OPEN' },
          { token: operator32 },
        ),
        'FORBIDDEN',
      );
    });
    const mine = await runIn('PLANNED');
    const opened = await setStatus(mine, 'OPEN', operator32);
    expect(opened).toMatchObject({ status: 'OPEN', version: 2 });
    const byOwner = await setStatus(run31, 'OPEN', operator31);
    expect(byOwner.status).toBe('OPEN');
  });

  it('answers NOT_FOUND for an unknown run and UNAUTHENTICATED without a token', async () => {
    const id = randomUUID();
    const missing = expectRefused(
      await graphql(SET_STATUS, { id, version: 1, status: 'OPEN' }, { token: admin }),
      'NOT_FOUND',
    );
    expect(missing.message).toBe(`No ProgramRun has id ${id}`);
    expectRefused(await graphql(SET_STATUS, { id, version: 1, status: 'OPEN' }), 'UNAUTHENTICATED');
  });
});

describe('enrol', () => {
  it('enrols a librarian in an OPEN run, with an audit record', async () => {
    const run = await runIn('OPEN');
    const enrolment = await enrolled(run.id, librarianIds[0]!);
    expect(enrolment).toMatchObject({
      status: 'REGISTERED',
      version: 1,
      participant: { id: librarianIds[0] },
      run: { id: run.id, enrolmentCount: 1 },
      completionCertificateNumber: null,
    });
    const audits = await sql<{ action: string; before: unknown; after: { status: string } }>(
      `SELECT action, before, after FROM bpsdm_regional.audit_record WHERE entity = 'Enrolment' AND entity_id = $1`,
      [enrolment.id],
    );
    expect(audits).toEqual([
      {
        action: 'enrol',
        before: null,
        after: expect.objectContaining({ status: 'REGISTERED', runId: run.id }),
      },
    ]);
  });

  it('refuses a run that is not OPEN, and an unknown librarian', async () => {
    const planned = await runIn('PLANNED');
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await enrol(planned.id, librarianIds[0]!),
        'BAD_USER_INPUT',
        'runId',
      );
      expect(error.message).toContain('is PLANNED: librarians enrol only in an OPEN run');
    });
    const open = await runIn('OPEN');
    const nobody = randomUUID();
    await expectNothingChanged(async () => {
      const error = expectRefused(await enrol(open.id, nobody), 'BAD_USER_INPUT', 'librarianId');
      expect(error.message).toBe(`librarianId: No librarian has id ${nobody}`);
    });
    expectRefused(await enrol(open.id, 'nope'), 'BAD_USER_INPUT', 'librarianId');
    expectRefused(await enrol(randomUUID(), librarianIds[0]!), 'NOT_FOUND');
  });

  it('refuses a librarian already enrolled with CONFLICT', async () => {
    const run = await runIn('OPEN');
    const first = await enrolled(run.id, librarianIds[1]!);
    await expectNothingChanged(async () => {
      const error = expectRefused(await enrol(run.id, librarianIds[1]!), 'CONFLICT', 'librarianId');
      expect(error.message).toContain(
        `is already enrolled in run ${run.id} (enrolment ${first.id}, REGISTERED)`,
      );
    });
  });

  it('enrols once for one clientKey', async () => {
    const run = await runIn('OPEN');
    const clientKey = `enrol-${randomUUID()}`;
    const a = await enrol(run.id, librarianIds[2]!, admin, clientKey);
    const b = await enrol(run.id, librarianIds[2]!, admin, clientKey);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data!.enrol.id).toBe(a.data!.enrol.id);
    const rows = await sql(`SELECT id FROM bpsdm_regional.enrolment WHERE run_id = $1`, [run.id]);
    expect(rows).toEqual([{ id: a.data!.enrol.id }]);
    expect(await auditCount(a.data!.enrol.id)).toBe(1);
  });

  it('registers a librarian who withdrew again, on the same enrolment', async () => {
    const run = await runIn('OPEN');
    const first = await enrolled(run.id, librarianIds[3]!);
    await query(WITHDRAW, { id: first.id, version: 1 }, { token: admin });
    const again = await enrolled(run.id, librarianIds[3]!);
    expect(again).toMatchObject({
      id: first.id,
      status: 'REGISTERED',
      version: 3,
      run: { enrolmentCount: 1 },
    });
  });

  it("refuses an operator of 32 enrolling into a run of 31's office, and enrols nobody", async () => {
    const run31 = await runIn('OPEN', { provinceCode: '31' });
    await expectNothingChanged(async () => {
      expectRefused(await enrol(run31.id, librarianIds[4]!, operator32), 'FORBIDDEN');
    });
    const run32 = await runIn('OPEN');
    const mine = await enrol(run32.id, librarianOf32, operator32);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.enrol.status).toBe('REGISTERED');
    expectRefused(await enrol(run32.id, librarianIds[5]!, analyst), 'FORBIDDEN');
    expectRefused(await enrol(run32.id, librarianIds[5]!, null), 'UNAUTHENTICATED');
  });

  it('keeps the quota when 50 librarians enrol at once: 10 get a place, 40 get CONFLICT', async () => {
    const run = await runIn('OPEN', { quota: 10 });
    const candidates = librarianIds.slice(0, 50);
    const results = await Promise.all(candidates.map((librarianId) => enrol(run.id, librarianId)));
    const placed = results.filter((result) => !result.errors);
    const refused = results.filter((result) => result.errors);
    expect(placed).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const result of refused) {
      const error = expectRefused(result, 'CONFLICT', 'runId');
      expect(error.message).toBe(`Run ${run.id} is full (quota 10): every place is taken`);
    }
    const [count] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM bpsdm_regional.enrolment WHERE run_id = $1 AND status <> 'WITHDRAWN'`,
      [run.id],
    );
    expect(Number(count!.n)).toBe(10);
    const [audits] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM bpsdm_regional.audit_record a
         JOIN bpsdm_regional.enrolment e ON e.id::text = a.entity_id WHERE e.run_id = $1`,
      [run.id],
    );
    expect(Number(audits!.n)).toBe(10);
    const data = await query<{ programRun: { enrolmentCount: number } }>(
      `query ($id: ID!) { programRun(id: $id) { enrolmentCount } }`,
      { id: run.id },
    );
    expect(data.programRun.enrolmentCount).toBe(10);
  });

  it('records no idempotency key for a refused enrolment: the key works once a place is free', async () => {
    const run = await runIn('OPEN', { quota: 1 });
    const holder = await enrolled(run.id, librarianIds[10]!);
    const clientKey = `full-${randomUUID()}`;
    await expectNothingChanged(async () => {
      expectRefused(await enrol(run.id, librarianIds[11]!, admin, clientKey), 'CONFLICT', 'runId');
    });
    await query(WITHDRAW, { id: holder.id }, { token: admin });
    const retry = await enrol(run.id, librarianIds[11]!, admin, clientKey);
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.enrol).toMatchObject({
      status: 'REGISTERED',
      participant: { id: librarianIds[11] },
    });
  });
});

describe('withdrawEnrolment', () => {
  it('withdraws a REGISTERED enrolment, freeing its place', async () => {
    const run = await runIn('OPEN');
    const enrolment = await enrolled(run.id, librarianIds[20]!);
    const data = await query<{ withdrawEnrolment: Enrolment }>(
      WITHDRAW,
      { id: enrolment.id, version: 1 },
      { token: operator32 },
    );
    expect(data.withdrawEnrolment).toMatchObject({
      id: enrolment.id,
      status: 'WITHDRAWN',
      version: 2,
      run: { enrolmentCount: 0 },
    });
    const again = expectRefused(
      await graphql(WITHDRAW, { id: enrolment.id }, { token: admin }),
      'BAD_USER_INPUT',
      'id',
    );
    expect(again.message).toContain(
      'is WITHDRAWN: only a REGISTERED or ATTENDING enrolment can be withdrawn',
    );
  });

  it('refuses a stale version, another province, and an unknown enrolment', async () => {
    const run = await runIn('OPEN');
    const enrolment = await enrolled(run.id, librarianIds[21]!);
    await expectNothingChanged(async () => {
      expectRefused(
        await graphql(WITHDRAW, { id: enrolment.id, version: 2 }, { token: admin }),
        'CONFLICT',
      );
      expectRefused(
        await graphql(WITHDRAW, { id: enrolment.id }, { token: operator31 }),
        'FORBIDDEN',
      );
      expectRefused(await graphql(WITHDRAW, { id: randomUUID() }, { token: admin }), 'NOT_FOUND');
    });
  });

  it('refuses to withdraw a COMPLETED enrolment', async () => {
    const run = await runIn('OPEN');
    const enrolment = await enrolled(run.id, librarianIds[22]!);
    await setStatus(run, 'ONGOING');
    await query(RECORD, { id: enrolment.id, score: 80, hours: 20 }, { token: admin });
    expectRefused(
      await graphql(WITHDRAW, { id: enrolment.id }, { token: admin }),
      'BAD_USER_INPUT',
      'id',
    );
  });
});

describe('recordResult', () => {
  /** The highest certificate number a province has for a year, 0 when none. */
  async function lastNumber(provinceCode: string, year: number): Promise<number> {
    const [row] = await sql<{ last: number | null }>(
      `SELECT max(split_part(completion_certificate_number, '/', 4)::int) AS last
         FROM bpsdm_regional.enrolment WHERE completion_certificate_number LIKE $1`,
      [`STTPP/${provinceCode}/${year}/%`],
    );
    return row?.last ?? 0;
  }

  it('completes an enrolment with a score and the next certificate number of the province and year', async () => {
    // A run that ended in 2025: the seed numbered certificates of 2025 already.
    const run = await runIn('OPEN', { startsOn: '2025-06-02', endsOn: '2025-06-06' });
    const a = await enrolled(run.id, librarianIds[30]!);
    const b = await enrolled(run.id, librarianIds[31]!);
    await setStatus(run, 'ONGOING');
    const last = await lastNumber('32', 2025);
    const first = await query<{ recordResult: Enrolment }>(
      RECORD,
      { id: a.id, score: 87.5, hours: 24, version: 1 },
      { token: operator32 },
    );
    expect(first.recordResult).toMatchObject({
      status: 'COMPLETED',
      finalScore: 87.5,
      lessonHoursEarned: 24,
      version: 2,
      completionCertificateNumber: `STTPP/32/2025/${String(last + 1).padStart(5, '0')}`,
    });
    const second = await query<{ recordResult: Enrolment }>(
      RECORD,
      { id: b.id, score: 70, hours: 24 },
      { token: admin },
    );
    expect(second.recordResult.completionCertificateNumber).toBe(
      `STTPP/32/2025/${String(last + 2).padStart(5, '0')}`,
    );
    // A correction keeps the number.
    const corrected = await query<{ recordResult: Enrolment }>(
      RECORD,
      { id: a.id, score: 90, hours: 24, version: 2 },
      { token: admin },
    );
    expect(corrected.recordResult).toMatchObject({
      finalScore: 90,
      version: 3,
      completionCertificateNumber: first.recordResult.completionCertificateNumber,
    });
  });

  it('numbers certificates recorded at once without gaps or repeats', async () => {
    const run = await runIn('OPEN', { startsOn: '2027-08-02', endsOn: '2027-08-06' });
    const enrolments = await Promise.all(
      librarianIds.slice(40, 48).map((librarianId) => enrolled(run.id, librarianId)),
    );
    await setStatus(run, 'ONGOING');
    const last = await lastNumber('32', 2027);
    const results = await Promise.all(
      enrolments.map((enrolment) =>
        query<{ recordResult: Enrolment }>(
          RECORD,
          { id: enrolment.id, score: 75, hours: 22 },
          { token: admin },
        ),
      ),
    );
    const numbers = results
      .map((result) => result.recordResult.completionCertificateNumber!)
      .sort();
    expect(numbers).toEqual(
      Array.from(
        { length: 8 },
        (_, index) => `STTPP/32/2027/${String(last + 1 + index).padStart(5, '0')}`,
      ),
    );
  });

  it('refuses a run that is not ONGOING or COMPLETED, and a withdrawn participant', async () => {
    const run = await runIn('OPEN');
    const enrolment = await enrolled(run.id, librarianIds[50]!);
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await graphql(RECORD, { id: enrolment.id, score: 80, hours: 20 }, { token: admin }),
        'BAD_USER_INPUT',
        'enrolmentId',
      );
      expect(error.message).toContain(
        'is OPEN: results are recorded only in an ONGOING or COMPLETED run',
      );
    });
    await query(WITHDRAW, { id: enrolment.id }, { token: admin });
    await setStatus(run, 'ONGOING');
    const withdrawn = expectRefused(
      await graphql(RECORD, { id: enrolment.id, score: 80, hours: 20 }, { token: admin }),
      'BAD_USER_INPUT',
      'enrolmentId',
    );
    expect(withdrawn.message).toContain('is WITHDRAWN');
  });

  it.each([
    [{ score: 100.5, hours: 10 }, 'finalScore', 'finalScore: finalScore must be between 0 and 100'],
    [{ score: -1, hours: 10 }, 'finalScore', 'finalScore: finalScore must be between 0 and 100'],
    [
      { score: 80, hours: -1 },
      'lessonHoursEarned',
      'lessonHoursEarned: lessonHoursEarned must be 0 or more',
    ],
  ])('refuses %j with BAD_USER_INPUT on %s', async (values, field, message) => {
    const error = expectRefused(
      await graphql(RECORD, { id: randomUUID(), ...values }, { token: admin }),
      'BAD_USER_INPUT',
      field,
    );
    expect(error.message).toBe(message);
  });

  it("refuses an operator of 31 on an enrolment of 32's office, and a stale version", async () => {
    const run = await runIn('OPEN');
    const enrolment = await enrolled(run.id, librarianIds[51]!);
    await setStatus(run, 'ONGOING');
    await expectNothingChanged(async () => {
      expectRefused(
        await graphql(RECORD, { id: enrolment.id, score: 80, hours: 20 }, { token: operator31 }),
        'FORBIDDEN',
      );
      expectRefused(
        await graphql(
          RECORD,
          { id: enrolment.id, score: 80, hours: 20, version: 5 },
          { token: admin },
        ),
        'CONFLICT',
      );
    });
  });
});

describe('bookFacility', () => {
  it('books a facility for days of a run and makes it the run facility', async () => {
    const run = await runIn('PLANNED', { startsOn: '2028-01-10', endsOn: '2028-01-14' });
    const facilityId = facilityIds[0]!;
    const result = await book(run.id, facilityId, '2028-01-10', '2028-01-12', operator32);
    expect(result.errors).toBeUndefined();
    const booking = result.data!.bookFacility;
    expect(booking).toMatchObject({
      from: '2028-01-10',
      to: '2028-01-12',
      facility: { id: facilityId },
      run: { id: run.id, version: 2, facility: { id: facilityId } },
    });
    expect(booking.facility.name.length).toBeGreaterThan(0);
    const rows = await sql<{ during: string; run_id: string }>(
      `SELECT during::text AS during, run_id FROM bpsdm_regional.facility_booking WHERE id = $1`,
      [booking.id],
    );
    expect(rows).toEqual([{ during: '[2028-01-10,2028-01-13)', run_id: run.id }]);
    expect(await runRow(run.id)).toMatchObject({ facility_id: facilityId, version: 2 });
    // The next day is free: bookings include their last day and nothing after it.
    const other = await runIn('PLANNED', { startsOn: '2028-01-13', endsOn: '2028-01-20' });
    const next = await book(other.id, facilityId, '2028-01-13', '2028-01-15');
    expect(next.errors).toBeUndefined();
    const listed = await query<{ programRun: { bookings: { from: string; to: string }[] } }>(
      `query ($id: ID!) { programRun(id: $id) { bookings { from to } } }`,
      { id: run.id },
    );
    expect(listed.programRun.bookings).toEqual([{ from: '2028-01-10', to: '2028-01-12' }]);
  });

  it('refuses an overlapping booking of the facility with CONFLICT naming the booking in the way', async () => {
    const facilityId = facilityIds[1]!;
    const first = await runIn('OPEN', { startsOn: '2028-02-01', endsOn: '2028-02-10' });
    const second = await runIn('OPEN', { startsOn: '2028-02-01', endsOn: '2028-02-10' });
    expect((await book(first.id, facilityId, '2028-02-03', '2028-02-05')).errors).toBeUndefined();
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await book(second.id, facilityId, '2028-02-05', '2028-02-08'),
        'CONFLICT',
        'facilityId',
      );
      expect(error.message).toBe(
        `Facility ${facilityId} is already booked from 2028-02-03 to 2028-02-05 (run ${first.id})`,
      );
    });
    expect((await runRow(second.id))!.facility_id).toBeNull();
  });

  it('lets only one of two simultaneous overlapping bookings of a facility through', async () => {
    const facilityId = facilityIds[2]!;
    const a = await runIn('PLANNED', { startsOn: '2028-03-01', endsOn: '2028-03-10' });
    const b = await runIn('PLANNED', { startsOn: '2028-03-01', endsOn: '2028-03-10' });
    const results = await Promise.all([
      book(a.id, facilityId, '2028-03-02', '2028-03-06'),
      book(b.id, facilityId, '2028-03-05', '2028-03-09'),
    ]);
    const won = results.filter((result) => !result.errors);
    const lost = results.filter((result) => result.errors);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(expectRefused(lost[0]!, 'CONFLICT', 'facilityId').message).toMatch(
      new RegExp(`^Facility ${facilityId} is already booked from 2028-03-0\\d to 2028-03-0\\d`),
    );
    const rows = await sql(
      `SELECT id FROM bpsdm_regional.facility_booking
        WHERE facility_id = $1 AND during && daterange('2028-03-01', '2028-03-10', '[]')`,
      [facilityId],
    );
    expect(rows).toEqual([{ id: won[0]!.data!.bookFacility.id }]);
  });

  it.each([
    [{ from: '2028-04-05', to: '2028-04-04' }, 'to', 'must be on or after from'],
    [
      { from: '2028-04-01', to: '2028-04-04' },
      'from',
      'the days must lie within the run, 2028-04-02 to 2028-04-08',
    ],
    [
      { from: '2028-04-03', to: '2028-04-09' },
      'to',
      'the days must lie within the run, 2028-04-02 to 2028-04-08',
    ],
  ])('refuses %j with BAD_USER_INPUT on %s', async ({ from, to }, field, message) => {
    const run = await runIn('PLANNED', { startsOn: '2028-04-02', endsOn: '2028-04-08' });
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await book(run.id, facilityIds[3]!, from, to),
        'BAD_USER_INPUT',
        field,
      );
      expect(error.message).toContain(message);
    });
  });

  it('refuses an unknown facility, a finished run and another province', async () => {
    const run = await runIn('PLANNED', { startsOn: '2028-05-02', endsOn: '2028-05-08' });
    const nowhere = randomUUID();
    await expectNothingChanged(async () => {
      const error = expectRefused(
        await book(run.id, nowhere, '2028-05-02', '2028-05-03'),
        'BAD_USER_INPUT',
        'facilityId',
      );
      expect(error.message).toBe(`facilityId: No facility has id ${nowhere}`);
      expectRefused(
        await book(run.id, facilityIds[3]!, '2028-05-02', '2028-05-03', operator31),
        'FORBIDDEN',
      );
    });
    const cancelled = await runIn('CANCELLED', { startsOn: '2028-05-02', endsOn: '2028-05-08' });
    expectRefused(
      await book(cancelled.id, facilityIds[3]!, '2028-05-02', '2028-05-03'),
      'BAD_USER_INPUT',
      'runId',
    );
  });

  it('books once for one clientKey, and a cancelled run gives its facility back', async () => {
    const facilityId = facilityIds[3]!;
    const run = await runIn('OPEN', { startsOn: '2028-06-01', endsOn: '2028-06-05' });
    const clientKey = `book-${randomUUID()}`;
    const a = await book(run.id, facilityId, '2028-06-01', '2028-06-05', admin, clientKey);
    const b = await book(run.id, facilityId, '2028-06-01', '2028-06-05', admin, clientKey);
    expect(a.errors).toBeUndefined();
    expect(b.data!.bookFacility.id).toBe(a.data!.bookFacility.id);
    const booked = await sql(`SELECT id FROM bpsdm_regional.facility_booking WHERE run_id = $1`, [
      run.id,
    ]);
    expect(booked).toEqual([{ id: a.data!.bookFacility.id }]);

    const other = await runIn('PLANNED', { startsOn: '2028-06-01', endsOn: '2028-06-05' });
    expectRefused(await book(other.id, facilityId, '2028-06-02', '2028-06-03'), 'CONFLICT');
    await setStatus({ ...run, version: 3 }, 'CANCELLED');
    const freed = await book(other.id, facilityId, '2028-06-02', '2028-06-03');
    expect(freed.errors).toBeUndefined();
    const [release] = await sql<{ action: string; after: unknown }>(
      `SELECT action, after FROM bpsdm_regional.audit_record WHERE entity = 'FacilityBooking' AND entity_id = $1 AND after IS NULL`,
      [a.data!.bookFacility.id],
    );
    expect(release).toEqual({ action: 'setRunStatus', after: null });
    // A late retry of the released booking is told it is gone, and books nothing.
    const late = await book(run.id, facilityId, '2028-06-01', '2028-06-05', admin, clientKey);
    expect(expectRefused(late, 'NOT_FOUND').message).toBe(
      `No FacilityBooking has id ${a.data!.bookFacility.id}`,
    );
  });
});
