import { graphql, tokenFor, type GraphQLResponse, sqlOf } from '../support/stack';

/** Writes of scope 4 through the gateway: IT initiatives, their rollouts, programs naming them. */
const sql = <T>(text: string, params: unknown[] = []) => sqlOf<T>('library', text, params);

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number(
    (
      await sql<{ n: string }>(`SELECT count(*) AS n FROM library.${table} WHERE ${where}`, params)
    )[0]!.n,
  );

const firstError = (result: GraphQLResponse<unknown>) => result.errors?.[0];
const outcome = (result: GraphQLResponse<unknown>) =>
  result.errors ? String(result.errors[0]!.extensions!.code) : 'OK';

const CREATE = `mutation ($input: CreateItInitiativeInput!) {
  createItInitiative(input: $input) { code name kind url version } }`;
const UPDATE = `mutation ($code: ID!, $version: Int!, $input: UpdateItInitiativeInput!) {
  updateItInitiative(code: $code, version: $version, input: $input) { code name version } }`;
const RECORD = `mutation ($input: RecordRolloutInput!) {
  recordRollout(input: $input) { provinceCode status librariesUsing librariesTotal hasForum since
    version initiative { code } office { name } } }`;

let serial = 0;
/** A code no other test uses, so tests may run in any order on one database. */
const freshCode = () => `TEST_${Date.now().toString(36).toUpperCase()}_${(serial += 1)}`;

const initiative = (extra: Record<string, unknown> = {}) => ({
  code: freshCode(),
  name: 'Sistem Uji Coba',
  kind: 'UNION_CATALOGUE',
  description: 'A service made up for a test of the write path.',
  url: 'https://uji.perpusnas.go.id',
  ...extra,
});

describe('IT initiative writes (library)', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await tokenFor('admin');
  });
  const asAdmin = <T = Record<string, unknown>>(text: string, variables: Record<string, unknown>) =>
    graphql<T>(text, variables, { token: admin });

  it('are refused to every role but admin, and write nothing', async () => {
    const rows = await count('it_initiative');
    const rollouts = await count('it_rollout');
    const audits = await count('audit_record');
    const rollout = {
      initiativeCode: 'INLISLITE',
      provinceCode: '32',
      status: 'IN_USE',
      librariesUsing: 5,
      version: 1,
    };
    const attempts: [string, Record<string, unknown>][] = [
      [CREATE, { input: initiative() }],
      [UPDATE, { code: 'INLISLITE', version: 1, input: { name: 'Renamed' } }],
      [RECORD, { input: rollout }],
    ];
    const callers = [
      ['UNAUTHENTICATED', undefined],
      ['FORBIDDEN', await tokenFor('analyst')],
      ['FORBIDDEN', await tokenFor('regional-operator', '32')],
    ] as const;
    for (const [text, variables] of attempts) {
      for (const [code, token] of callers) {
        expect(outcome(await graphql(text, variables, { token }))).toBe(code);
      }
    }
    expect(await count('it_initiative')).toBe(rows);
    expect(await count('it_rollout')).toBe(rollouts);
    expect(await count('audit_record')).toBe(audits);
  });

  it.each([
    [CREATE, { input: initiative({ code: 'inlis lite' }) }, 'input.code'],
    [CREATE, { input: initiative({ url: 'http://inlislite.perpusnas.go.id' }) }, 'input.url'],
    [CREATE, { input: initiative({ description: 'short' }) }, 'input.description'],
    [UPDATE, { code: 'INLISLITE', version: 1, input: { url: 'ftp://x.go.id/a' } }, 'input.url'],
    [
      RECORD,
      {
        input: {
          initiativeCode: 'INLISLITE',
          provinceCode: '99',
          status: 'IN_USE',
          librariesUsing: 1,
        },
      },
      'input.provinceCode',
    ],
    [
      RECORD,
      {
        input: { initiativeCode: 'NOPE', provinceCode: '32', status: 'IN_USE', librariesUsing: 1 },
      },
      'input.initiativeCode',
    ],
    [
      RECORD,
      {
        input: {
          initiativeCode: 'INLISLITE',
          provinceCode: '32',
          status: 'PLANNED',
          librariesUsing: 3,
        },
      },
      'input.librariesUsing',
    ],
    [
      RECORD,
      {
        input: {
          initiativeCode: 'INLISLITE',
          provinceCode: '32',
          status: 'IN_USE',
          librariesUsing: 0,
        },
      },
      'input.librariesUsing',
    ],
    [
      RECORD,
      {
        input: {
          initiativeCode: 'INLISLITE',
          provinceCode: '32',
          status: 'IN_USE',
          librariesUsing: 30,
          librariesTotal: 27,
        },
      },
      'input.librariesUsing',
    ],
    [
      RECORD,
      {
        input: {
          initiativeCode: 'INLISLITE',
          provinceCode: '32',
          status: 'IN_USE',
          librariesUsing: 13,
          librariesTotal: 27,
          hasForum: true,
        },
      },
      'input.hasForum',
    ],
    [
      RECORD,
      {
        input: {
          initiativeCode: 'INLISLITE',
          provinceCode: '32',
          status: 'IN_USE',
          librariesUsing: 13,
          since: '2999-01-01',
        },
      },
      'input.since',
    ],
  ])(
    'refuse bad input with the field at fault, writing nothing (%#)',
    async (text, variables, field) => {
      const audits = await count('audit_record');
      const snapshot = () =>
        sql(`SELECT * FROM library.it_rollout ORDER BY id`).then((rows) => JSON.stringify(rows));
      const before = await snapshot();
      const result = await asAdmin(text, variables);
      expect(firstError(result)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(firstError(result)?.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
      expect(await count('audit_record')).toBe(audits);
      expect(await snapshot()).toBe(before);
    },
  );

  it('create once per client key, refuse a taken code without a trace, and audit every change', async () => {
    const input = { ...initiative(), clientKey: `it-${freshCode()}` };
    const first = await asAdmin<{ createItInitiative: { code: string; version: number } }>(CREATE, {
      input,
    });
    expect(first.errors).toBeUndefined();
    const retry = await asAdmin<{ createItInitiative: { code: string } }>(CREATE, { input });
    expect(retry.data!.createItInitiative.code).toBe(input.code);
    expect(await count('it_initiative', 'code = $1', [input.code])).toBe(1);
    const reused = await asAdmin(CREATE, { input: { ...input, name: 'Another name' } });
    expect(firstError(reused)?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');

    // A taken code: CONFLICT, and the failed transaction leaves no key, row or audit record.
    const audits = await count('audit_record');
    const key = `it-${freshCode()}`;
    const taken = await asAdmin(CREATE, {
      input: { ...initiative({ code: 'INLISLITE' }), clientKey: key },
    });
    expect(firstError(taken)?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.code' });
    expect(await count('idempotency_key', 'client_key = $1', [key])).toBe(0);
    expect(await count('audit_record')).toBe(audits);

    // Two editors read version 1 and save at once: one wins, the other is told.
    const [a, b] = await Promise.all([
      asAdmin(UPDATE, { code: input.code, version: 1, input: { name: 'Nama A' } }),
      asAdmin(UPDATE, { code: input.code, version: 1, input: { name: 'Nama B' } }),
    ]);
    expect([outcome(a), outcome(b)].sort()).toEqual(['CONFLICT', 'OK']);
    const stale = await asAdmin(UPDATE, {
      code: input.code,
      version: 1,
      input: { name: 'Nama C' },
    });
    expect(firstError(stale)?.extensions).toMatchObject({ code: 'CONFLICT', actualVersion: 2 });
    expect(
      outcome(await asAdmin(UPDATE, { code: 'NOPE', version: 1, input: { name: 'X y' } })),
    ).toBe('NOT_FOUND');

    const trail = await asAdmin<{
      itInitiative: {
        version: number;
        auditTrail: { action: string; role: string; before: string | null }[];
      };
    }>(
      `query ($code: ID!) { itInitiative(code: $code) { version auditTrail { action role before } } }`,
      {
        code: input.code,
      },
    );
    expect(trail.data!.itInitiative.version).toBe(2);
    expect(trail.data!.itInitiative.auditTrail.map((r) => r.action)).toEqual([
      'updateItInitiative',
      'createItInitiative',
    ]);
    expect(trail.data!.itInitiative.auditTrail[1]!.before).toBeNull();
    const analyst = await graphql<{ itInitiative: { auditTrail: null } }>(
      `
        query ($code: ID!) {
          itInitiative(code: $code) {
            auditTrail {
              action
            }
          }
        }
      `,
      { code: input.code },
      { token: await tokenFor('analyst') },
    );
    expect(analyst.data!.itInitiative.auditTrail).toBeNull();
    expect(firstError(analyst)?.extensions?.code).toBe('FORBIDDEN');
  });

  it('record a rollout, then replace it only over the version read, and show it beside training', async () => {
    const { code } = (
      await asAdmin<{ createItInitiative: { code: string } }>(CREATE, { input: initiative() })
    ).data!.createItInitiative;
    const input = {
      initiativeCode: code,
      provinceCode: '52',
      status: 'PILOTING',
      librariesUsing: 2,
      librariesTotal: 10,
      since: '2025-01-06',
      clientKey: `rollout-${code}`,
    };
    // A version names a rollout read before: none exists yet.
    const early = await asAdmin(RECORD, { input: { ...input, clientKey: null, version: 1 } });
    expect(firstError(early)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.version',
    });
    const first = await asAdmin<{ recordRollout: Record<string, unknown> }>(RECORD, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data!.recordRollout).toEqual({
      provinceCode: '52',
      status: 'PILOTING',
      librariesUsing: 2,
      librariesTotal: 10,
      hasForum: false,
      since: '2025-01-06',
      version: 1,
      initiative: { code },
      office: { name: 'BPSDM Provinsi Nusa Tenggara Barat' },
    });
    // A retry with the same key is the first answer; without a key it is told to send a version.
    const retry = await asAdmin<{ recordRollout: { version: number } }>(RECORD, { input });
    expect(retry.data!.recordRollout.version).toBe(1);
    const { clientKey: _key, ...unkeyed } = input;
    const again = await asAdmin(RECORD, { input: unkeyed });
    expect(firstError(again)?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.version',
    });
    expect(await count('it_rollout', 'initiative_code = $1', [code])).toBe(1);

    // Two operators replace version 1 at once: one wins, the other is told.
    const inUse = { ...unkeyed, status: 'IN_USE', librariesUsing: 6, hasForum: true, version: 1 };
    const [a, b] = await Promise.all([
      asAdmin(RECORD, { input: inUse }),
      asAdmin(RECORD, { input: { ...inUse, librariesUsing: 7 } }),
    ]);
    expect([outcome(a), outcome(b)].sort()).toEqual(['CONFLICT', 'OK']);

    const answer = await graphql<{
      regionalOffice: {
        itAdoption: {
          initiative: { code: string };
          status: string;
          hasForum: boolean;
          version: number;
          auditTrail: { action: string }[];
        }[];
        trainingStats: { runs: number };
      };
    }>(
      `
        {
          regionalOffice(provinceCode: "52") {
            itAdoption {
              initiative {
                code
              }
              status
              hasForum
              version
              auditTrail {
                action
              }
            }
            trainingStats(year: 2025) {
              runs
            }
          }
        }
      `,
      {},
      { token: admin, fresh: true },
    );
    expect(answer.errors).toBeUndefined();
    const mine = answer.data!.regionalOffice.itAdoption.find((r) => r.initiative.code === code);
    expect(mine).toEqual({
      initiative: { code },
      status: 'IN_USE',
      hasForum: true,
      version: 2,
      auditTrail: [{ action: 'recordRollout' }, { action: 'recordRollout' }],
    });
    expect(typeof answer.data!.regionalOffice.trainingStats.runs).toBe('number');
  });
});

describe('TrainingProgram.initiative writes (bpsdm-central)', () => {
  const CREATE_PROGRAM = `mutation ($input: CreateTrainingProgramInput!) {
    createTrainingProgram(input: $input) { id scope version initiative { code name } } }`;
  const program = (extra: Record<string, unknown> = {}) => ({
    code: `IT-${Date.now().toString(36).toUpperCase()}-${(serial += 1)}`,
    title: 'Bimbingan Teknis Indonesia OneSearch',
    description: 'Joining a library catalogue to Indonesia OneSearch.',
    scope: 'INFORMATION_TECHNOLOGY',
    mode: 'ONLINE',
    modules: [{ title: 'Harvesting OAI-PMH', lessonHours: 12 }],
    ...extra,
  });

  it('names an existing initiative for an IT program only, checked with the library', async () => {
    const admin = await tokenFor('admin');
    const created = await graphql<{
      createTrainingProgram: { id: string; initiative: { code: string; name: string } };
    }>(CREATE_PROGRAM, { input: program({ initiativeCode: 'ONESEARCH' }) }, { token: admin });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createTrainingProgram.initiative).toEqual({
      code: 'ONESEARCH',
      name: 'Indonesia OneSearch',
    });

    const unknown = await graphql(
      CREATE_PROGRAM,
      { input: program({ initiativeCode: 'NOPE' }) },
      { token: admin },
    );
    expect(firstError(unknown)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.initiativeCode',
    });
    const otherScope = await graphql(
      CREATE_PROGRAM,
      { input: program({ scope: 'COMPETENCY_DEVELOPMENT', initiativeCode: 'IPUSNAS' }) },
      { token: admin },
    );
    expect(firstError(otherScope)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.initiativeCode',
    });

    const UPDATE_PROGRAM = `mutation ($id: ID!, $version: Int!, $input: UpdateTrainingProgramInput!) {
      updateTrainingProgram(id: $id, version: $version, input: $input) { scope version initiative { code } } }`;
    const id = created.data!.createTrainingProgram.id;
    const badUpdate = await graphql(
      UPDATE_PROGRAM,
      { id, version: 1, input: { initiativeCode: 'NOPE' } },
      { token: admin },
    );
    expect(firstError(badUpdate)?.extensions).toMatchObject({ field: 'input.initiativeCode' });
    const moved = await graphql<{ updateTrainingProgram: Record<string, unknown> }>(
      UPDATE_PROGRAM,
      { id, version: 1, input: { initiativeCode: 'KHASTARA' } },
      { token: admin },
    );
    expect(moved.data!.updateTrainingProgram).toEqual({
      scope: 'INFORMATION_TECHNOLOGY',
      version: 2,
      initiative: { code: 'KHASTARA' },
    });
    const left = await graphql<{ updateTrainingProgram: Record<string, unknown> }>(
      UPDATE_PROGRAM,
      { id, version: 2, input: { scope: 'COMPETENCY_DEVELOPMENT' } },
      { token: admin },
    );
    expect(left.data!.updateTrainingProgram).toEqual({
      scope: 'COMPETENCY_DEVELOPMENT',
      version: 3,
      initiative: null,
    });
  });
});
