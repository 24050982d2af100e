import { MOU_ID, PKS_ID } from '@coop/common';
import { graphql, tokenFor, type GraphQLResponse } from '../support/stack';

const firstError = (result: GraphQLResponse<unknown>) => result.errors?.[0];

const CREATE = `mutation ($input: CreateTrainingProgramInput!) {
  createTrainingProgram(input: $input) { id code lessonHours version modules { title lessonHours } agreement { id } } }`;

describe('bpsdm-central writes', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await tokenFor('admin');
  });
  const asAdmin = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
  ) => graphql<T>(query, variables, { token: admin });
  const program = (extra: Record<string, unknown> = {}) => ({
    code: `LIT-${Date.now().toString(36).toUpperCase()}-${Math.floor(Math.random() * 1000)}`,
    title: 'Pelatihan Literasi Informasi bagi Pustakawan',
    description: 'Teaching library users to find, judge and use information.',
    scope: 'COMPETENCY_DEVELOPMENT',
    mode: 'ONLINE',
    modules: [
      { title: 'Konsep Literasi Informasi', lessonHours: 12 },
      { title: 'Praktik Penelusuran', lessonHours: 20 },
    ],
    agreementId: PKS_ID,
    ...extra,
  });

  it('adds a program whose hours are the sum of its modules, under an active PKS', async () => {
    const result = await asAdmin<{
      createTrainingProgram: {
        id: string;
        lessonHours: number;
        version: number;
        agreement: { id: string };
      };
    }>(CREATE, { input: program({ lessonHours: 32 }) });
    expect(result.errors).toBeUndefined();
    const created = result.data!.createTrainingProgram;
    expect(created).toMatchObject({ lessonHours: 32, version: 1, agreement: { id: PKS_ID } });

    const joined = await graphql<{ agreement: { programs: { id: string }[] } }>(
      `
        query ($id: ID!) {
          agreement(id: $id) {
            programs {
              id
            }
          }
        }
      `,
      { id: PKS_ID },
    );
    expect(joined.data!.agreement.programs.map((p) => p.id)).toContain(created.id);

    const UPDATE = `mutation ($id: ID!, $version: Int!, $input: UpdateTrainingProgramInput!) {
      updateTrainingProgram(id: $id, version: $version, input: $input) { lessonHours version modules { title } } }`;
    const updated = await asAdmin<{
      updateTrainingProgram: { lessonHours: number; version: number; modules: unknown[] };
    }>(UPDATE, {
      id: created.id,
      version: 1,
      input: { modules: [{ title: 'Literasi Digital', lessonHours: 40 }] },
    });
    expect(updated.data!.updateTrainingProgram).toEqual({
      lessonHours: 40,
      version: 2,
      modules: [{ title: 'Literasi Digital' }],
    });
    const stale = await asAdmin(UPDATE, {
      id: created.id,
      version: 1,
      input: { title: 'Judul Lain yang Panjang' },
    });
    expect(firstError(stale)?.extensions?.code).toBe('CONFLICT');
  });

  it('refuses hours that do not add up, a duplicate code, and non-admins', async () => {
    const mismatch = await asAdmin(CREATE, { input: program({ lessonHours: 30 }) });
    expect(firstError(mismatch)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.lessonHours',
    });
    expect(firstError(mismatch)?.message).toBe(
      "input.lessonHours: lessonHours must equal the sum of the modules' hours (32), got 30",
    );
    const input = program();
    expect((await asAdmin(CREATE, { input })).errors).toBeUndefined();
    const duplicate = await asAdmin(CREATE, { input });
    expect(firstError(duplicate)?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.code',
    });
    const analyst = await graphql(
      CREATE,
      { input: program() },
      { token: await tokenFor('analyst') },
    );
    expect(firstError(analyst)?.extensions?.code).toBe('FORBIDDEN');
  });

  it('checks the PKS through the library subgraph: exists, is a PKS, active, covers the scope', async () => {
    const draft = await asAdmin<{ createAgreement: { id: string } }>(
      `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`,
      {
        input: {
          kind: 'PKS',
          title: 'Rancangan PKS Pengembangan Kompetensi Pustakawan Provinsi Aceh',
          parentId: MOU_ID,
          signedOn: '2026-11-01',
          validFrom: '2026-11-01',
          draft: true,
          scopes: ['COMPETENCY_DEVELOPMENT'],
          parties: [
            { role: 'FIRST', organization: 'Perpustakaan Nasional Republik Indonesia' },
            { role: 'SECOND', organization: 'BPSDM Provinsi Aceh', provinceCode: '11' },
          ],
        },
      },
    );
    const draftId = draft.data!.createAgreement.id;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ agreementId: '00000000-0000-4000-8000-000000000000' }, /no agreement has id/],
      [{ agreementId: MOU_ID }, /implements a PKS, not an MoU/],
      [{ agreementId: draftId }, /the PKS is DRAFT, not ACTIVE/],
      [{ agreementId: PKS_ID, scope: 'FACILITIES', code: 'X' }, /code must be/],
    ];
    for (const [change, message] of cases) {
      const result = await asAdmin(CREATE, { input: program(change) });
      expect(firstError(result)?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(firstError(result)?.message).toMatch(message);
    }
  });
});
