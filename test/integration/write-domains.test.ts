import { MOU_ID } from '@coop/common';
import fc from 'fast-check';
import { Client } from 'pg';
import { graphql, query, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * Every write's numeric and date inputs have a domain (issue 10): generated values outside it,
 * sent through the gateway, are each refused with BAD_USER_INPUT naming the field, and nothing
 * is written. Idempotency keys are the caller's own and bound to the input they were first sent
 * with. A certificate's audit trail shows what recordAssessment and revokeCertificate wrote.
 */

type Service = 'library' | 'bpsdm-central' | 'bpsdm-regional';

const TABLES: Record<Service, { schema: string; tables: string[] }> = {
  library: {
    schema: 'library',
    tables: [
      'agreement',
      'agreement_party',
      'facility',
      'librarian',
      'certification',
      'certificate_sequence',
      'audit_record',
      'idempotency_key',
    ],
  },
  'bpsdm-central': {
    schema: 'bpsdm_central',
    tables: ['training_program', 'program_module', 'audit_record', 'idempotency_key'],
  },
  'bpsdm-regional': {
    schema: 'bpsdm_regional',
    tables: [
      'program_run',
      'enrolment',
      'facility_booking',
      'certificate_counter',
      'audit_record',
      'idempotency_key',
    ],
  },
};

const clients = {} as Record<Service, Client>;

async function sql<T = Record<string, unknown>>(
  service: Service,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await clients[service].query(text, params)).rows as T[];
}

/** Per table of the service: its row count and the sum of a hash of every row. */
async function fingerprint(service: Service): Promise<string> {
  const { schema, tables } = TABLES[service];
  const [row] = await sql<{ fp: string }>(
    service,
    `SELECT ${tables
      .map(
        (table) => `(SELECT count(*) || ':' || coalesce(sum(hashtext(t::text)::bigint), 0)
          FROM ${schema}.${table} t)`,
      )
      .join(` || '/' || `)} AS fp`,
  );
  return row!.fp;
}

/** Runs `action` and checks that it wrote nothing to the service's tables. */
async function expectNothingChanged(service: Service, action: () => Promise<unknown>) {
  const before = await fingerprint(service);
  await action();
  expect(await fingerprint(service)).toBe(before);
}

function expectRefused(result: GraphQLResponse<unknown>, code: string, field: string) {
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  if (error.extensions?.code !== code || error.extensions?.field !== field) {
    throw new Error(`expected ${code} on ${field}, got ${JSON.stringify(error)}`);
  }
  return error;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A real calendar date in a year outside 2000–2100: 0000–1999 or 2101–9999. */
const dateOutOfSpan = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 1999 }),
      fc.integer({ min: 2101, max: 9999 }),
      fc.constant(9999),
    ),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
  )
  .map(([year, month, day]) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);

const INT_MAX = 2 ** 31 - 1;

/** A GraphQL Int outside [min, max]. */
const intOutside = (min: number, max: number) =>
  fc.oneof(
    fc.integer({ min: -INT_MAX - 1, max: min - 1 }),
    fc.integer({ min: max + 1, max: INT_MAX }),
    fc.constantFrom(min - 1, max + 1, INT_MAX, -INT_MAX - 1),
  );

/** A Float outside [0, 100]. */
const scoreOutside = fc.oneof(
  fc.double({ min: -1e12, max: -1e-6, noNaN: true }),
  fc.double({ min: 100.000001, max: 1e12, noNaN: true }),
  fc.constantFrom(-1, 100.5, 101, 1e300),
);

const RUNS = { numRuns: 12 };

let admin: string;
let operator31: string;
let operator32: string;
let programId: string;
let programHours: number;
let librarianIds: string[];
let facilityId: string;
let nextBatch = 950;

const PLAN = `mutation ($input: PlanRunInput!) {
  planRun(input: $input) { id version status office { provinceCode } } }`;
const SET_STATUS = `mutation ($id: ID!, $version: Int!, $status: RunStatus!) {
  setRunStatus(id: $id, version: $version, status: $status) { id version status } }`;

interface Run {
  id: string;
  version: number;
  status: string;
}

const planInput = (overrides: Record<string, unknown> = {}) => ({
  provinceCode: '32',
  programId,
  batch: nextBatch++,
  startsOn: '2027-03-01',
  endsOn: '2027-03-10',
  quota: 20,
  ...overrides,
});

async function plannedRun(): Promise<Run> {
  const data = await query<{ planRun: Run }>(PLAN, { input: planInput() }, { token: admin });
  return data.planRun;
}

async function moveTo(run: Run, status: string): Promise<Run> {
  const data = await query<{ setRunStatus: Run }>(
    SET_STATUS,
    { id: run.id, version: run.version, status },
    { token: admin },
  );
  return data.setRunStatus;
}

beforeAll(async () => {
  [admin, operator31, operator32] = await Promise.all([
    tokenFor('admin'),
    tokenFor('regional-operator', '31'),
    tokenFor('regional-operator', '32'),
  ]);
  for (const service of Object.keys(TABLES) as Service[]) {
    clients[service] = new Client({ connectionString: testStack().databaseUrls[service] });
    await clients[service].connect();
  }
  const data = await query<{
    trainingPrograms: { edges: { node: { id: string; lessonHours: number } }[] };
    librarians: { edges: { node: { id: string } }[] };
    facilities: { id: string }[];
  }>(
    `{ trainingPrograms(first: 1) { edges { node { id lessonHours } } }
       librarians(first: 20) { edges { node { id } } }
       facilities { id } }`,
    {},
    { token: admin },
  );
  programId = data.trainingPrograms.edges[0]!.node.id;
  programHours = data.trainingPrograms.edges[0]!.node.lessonHours;
  librarianIds = data.librarians.edges.map((edge) => edge.node.id);
  facilityId = data.facilities[0]!.id;
});

afterAll(async () => {
  await Promise.all(Object.values(clients).map((client) => client?.end()));
});

describe('out-of-domain write inputs are refused with the field, and nothing is written', () => {
  it('planRun: startsOn, endsOn outside the dates of the domain; batch, quota outside theirs', async () => {
    const bad = fc.oneof(
      dateOutOfSpan.map((value) => ['startsOn', value] as const),
      dateOutOfSpan.map((value) => ['endsOn', value] as const),
      intOutside(1, 999).map((value) => ['batch', value] as const),
      intOutside(1, 500).map((value) => ['quota', value] as const),
    );
    await expectNothingChanged('bpsdm-regional', () =>
      fc.assert(
        fc.asyncProperty(bad, async ([field, value]) => {
          const result = await graphql(
            PLAN,
            { input: planInput({ [field]: value }) },
            { token: admin },
          );
          expectRefused(result, 'BAD_USER_INPUT', `input.${field}`);
        }),
        RUNS,
      ),
    );
  });

  it('bookFacility: from, to outside the dates of the domain', async () => {
    const run = await plannedRun();
    const BOOK = `mutation ($runId: ID!, $facilityId: ID!, $from: Date!, $to: Date!) {
      bookFacility(runId: $runId, facilityId: $facilityId, from: $from, to: $to) { id } }`;
    await expectNothingChanged('bpsdm-regional', () =>
      fc.assert(
        fc.asyncProperty(fc.constantFrom('from', 'to'), dateOutOfSpan, async (field, value) => {
          const days = { from: '2027-03-02', to: '2027-03-03', [field]: value };
          const result = await graphql(
            BOOK,
            { runId: run.id, facilityId, ...days },
            { token: admin },
          );
          expectRefused(result, 'BAD_USER_INPUT', field);
        }),
        RUNS,
      ),
    );
  });

  it("recordResult: finalScore outside 0..100, lessonHoursEarned outside 0..the program's hours", async () => {
    let run = await moveTo(await plannedRun(), 'OPEN');
    const enrolment = await query<{ enrol: { id: string } }>(
      `mutation ($runId: ID!, $librarianId: ID!) {
        enrol(runId: $runId, librarianId: $librarianId) { id } }`,
      { runId: run.id, librarianId: librarianIds[0] },
      { token: admin },
    );
    run = await moveTo(run, 'ONGOING');
    const RECORD = `mutation ($id: ID!, $score: Float!, $hours: Int!) {
      recordResult(enrolmentId: $id, finalScore: $score, lessonHoursEarned: $hours) { id } }`;
    const bad = fc.oneof(
      scoreOutside.map((score) => ['finalScore', { score, hours: programHours }] as const),
      intOutside(0, programHours).map(
        (hours) => ['lessonHoursEarned', { score: 80, hours }] as const,
      ),
    );
    await expectNothingChanged('bpsdm-regional', () =>
      fc.assert(
        fc.asyncProperty(bad, async ([field, values]) => {
          const result = await graphql(
            RECORD,
            { id: enrolment.enrol.id, ...values },
            { token: operator32 },
          );
          expectRefused(result, 'BAD_USER_INPUT', field);
        }),
        RUNS,
      ),
    );
    // The program's own hours are accepted, and trainingStats still answers.
    const done = await graphql(
      RECORD,
      { id: enrolment.enrol.id, score: 100, hours: programHours },
      { token: operator32 },
    );
    expect(done.errors).toBeUndefined();
  });

  it('createAgreement, updateAgreement: signedOn, validFrom, validUntil outside the dates of the domain', async () => {
    const CREATE = `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`;
    const UPDATE = `mutation ($id: ID!, $input: UpdateAgreementInput!) {
      updateAgreement(id: $id, version: 1, input: $input) { id } }`;
    const valid = {
      kind: 'MOU',
      title: 'Nota Kesepahaman percobaan',
      signedOn: '2026-01-05',
      validFrom: '2026-01-05',
      validUntil: '2031-01-04',
      draft: true,
      scopes: ['FACILITIES'],
      parties: [
        { role: 'FIRST', organization: 'Perpustakaan Nasional' },
        { role: 'SECOND', organization: 'Kementerian Dalam Negeri' },
      ],
    };
    await expectNothingChanged('library', () =>
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom('signedOn', 'validFrom', 'validUntil'),
          dateOutOfSpan,
          fc.boolean(),
          async (field, value, update) => {
            const result = update
              ? await graphql(UPDATE, { id: MOU_ID, input: { [field]: value } }, { token: admin })
              : await graphql(CREATE, { input: { ...valid, [field]: value } }, { token: admin });
            expectRefused(result, 'BAD_USER_INPUT', `input.${field}`);
          },
        ),
        RUNS,
      ),
    );
  });

  it('recordAssessment: assessedOn outside the dates of the domain', async () => {
    const RECORD = `mutation ($input: RecordAssessmentInput!) { recordAssessment(input: $input) { number } }`;
    await expectNothingChanged('library', () =>
      fc.assert(
        fc.asyncProperty(dateOutOfSpan, async (assessedOn) => {
          const result = await graphql(
            RECORD,
            {
              input: {
                librarianId: librarianIds[0],
                schemeCode: 'LP',
                assessedOn,
                result: 'COMPETENT',
              },
            },
            { token: admin },
          );
          expectRefused(result, 'BAD_USER_INPUT', 'input.assessedOn');
        }),
        RUNS,
      ),
    );
  });

  it('createFacility, updateFacility: capacity outside 1..10000', async () => {
    const CREATE = `mutation ($input: CreateFacilityInput!) { createFacility(input: $input) { id } }`;
    await expectNothingChanged('library', () =>
      fc.assert(
        fc.asyncProperty(intOutside(1, 10_000), async (capacity) => {
          const result = await graphql(
            CREATE,
            {
              input: { name: 'Ruang Uji', kind: 'CLASSROOM', capacity, address: 'Jl. Salemba 28A' },
            },
            { token: admin },
          );
          expectRefused(result, 'BAD_USER_INPUT', 'input.capacity');
        }),
        RUNS,
      ),
    );
  });

  it("createTrainingProgram: a module's lessonHours outside 1..1000", async () => {
    const CREATE = `mutation ($input: CreateTrainingProgramInput!) {
      createTrainingProgram(input: $input) { id } }`;
    await expectNothingChanged('bpsdm-central', () =>
      fc.assert(
        fc.asyncProperty(intOutside(1, 1000), async (lessonHours) => {
          const result = await graphql(
            CREATE,
            {
              input: {
                code: 'DOMAIN-TEST',
                title: 'Pelatihan uji domain',
                description: 'Program untuk menguji domain masukan.',
                scope: 'COMPETENCY_DEVELOPMENT',
                mode: 'ONLINE',
                modules: [{ title: 'Modul satu', lessonHours }],
              },
            },
            { token: admin },
          );
          expectRefused(result, 'BAD_USER_INPUT', 'input.modules.0.lessonHours');
        }),
        RUNS,
      ),
    );
  });
});

describe('idempotency keys', () => {
  it('refuse the same key with a different input, and replay it with the same input', async () => {
    const clientKey = `reuse-${Date.now()}`;
    const input = planInput({ clientKey });
    const first = await query<{ planRun: Run }>(PLAN, { input }, { token: admin });
    await expectNothingChanged('bpsdm-regional', async () => {
      const other = await graphql(PLAN, { input: { ...input, quota: 21 } }, { token: admin });
      const error = expectRefused(other, 'IDEMPOTENCY_KEY_REUSED', 'input.clientKey');
      expect(error.message).toMatch(/already used for planRun with a different input/);
      const again = await query<{ planRun: Run }>(PLAN, { input }, { token: admin });
      expect(again.planRun.id).toBe(first.planRun.id);
    });

    // The same through a create of the library, whose key is an input field too.
    const CREATE = `mutation ($input: CreateFacilityInput!) { createFacility(input: $input) { id } }`;
    const facility = {
      name: 'Ruang Idempoten',
      kind: 'CLASSROOM',
      capacity: 40,
      address: 'Jl. Salemba Raya 28A',
      clientKey,
    };
    const created = await query<{ createFacility: { id: string } }>(
      CREATE,
      { input: facility },
      { token: admin },
    );
    await expectNothingChanged('library', async () => {
      const other = await graphql(
        CREATE,
        { input: { ...facility, capacity: 41 } },
        { token: admin },
      );
      expectRefused(other, 'IDEMPOTENCY_KEY_REUSED', 'input.clientKey');
      const again = await query<{ createFacility: { id: string } }>(
        CREATE,
        { input: facility },
        { token: admin },
      );
      expect(again.createFacility.id).toBe(created.createFacility.id);
    });
  });

  it("are the caller's own: another province's operator (same subject) gets its own create", async () => {
    const subject = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub;
    expect(subject(operator31)).toBe(subject(operator32));
    const clientKey = `shared-${Date.now()}`;
    const in31 = await graphql<{ planRun: Run & { office: { provinceCode: string } } }>(
      PLAN,
      { input: planInput({ provinceCode: '31', clientKey }) },
      { token: operator31 },
    );
    expect(in31.errors).toBeUndefined();
    const in32 = await graphql<{ planRun: Run & { office: { provinceCode: string } } }>(
      PLAN,
      { input: planInput({ provinceCode: '32', clientKey }) },
      { token: operator32 },
    );
    expect(in32.errors).toBeUndefined();
    expect(in32.data!.planRun.office.provinceCode).toBe('32');
    expect(in32.data!.planRun.id).not.toBe(in31.data!.planRun.id);
    expect(in31.data!.planRun.office.provinceCode).toBe('31');
  });
});

describe('Certification.auditTrail', () => {
  it('shows recordAssessment, then revokeCertificate, newest first', async () => {
    const RECORD = `mutation ($input: RecordAssessmentInput!) { recordAssessment(input: $input) { number } }`;
    const recorded = await query<{ recordAssessment: { number: string } }>(
      RECORD,
      {
        input: {
          librarianId: librarianIds[1],
          schemeCode: 'LP',
          assessedOn: '2026-09-01',
          result: 'COMPETENT',
        },
      },
      { token: admin },
    );
    const { number } = recorded.recordAssessment;
    const TRAIL = `query ($number: ID!) { certification(number: $number) {
      number auditTrail { action actor role before after } } }`;
    type Trail = {
      certification: {
        auditTrail: { action: string; role: string; before: string | null; after: string }[];
      };
    };
    const trail = await query<Trail>(TRAIL, { number }, { token: admin, fresh: true });
    expect(trail.certification.auditTrail.map((record) => record.action)).toEqual([
      'recordAssessment',
    ]);
    expect(trail.certification.auditTrail[0]!.before).toBeNull();
    expect(JSON.parse(trail.certification.auditTrail[0]!.after).number).toBe(number);

    await query(
      `mutation ($number: ID!) { revokeCertificate(number: $number, reason: "Dokumen uji tidak sah") { number } }`,
      { number },
      { token: admin },
    );
    const after = await query<Trail>(TRAIL, { number }, { token: admin, fresh: true });
    expect(after.certification.auditTrail.map((record) => record.action)).toEqual([
      'revokeCertificate',
      'recordAssessment',
    ]);
  });
});
