import { randomUUID } from 'node:crypto';
import { addYears, MOU_ID, openDataSource, PKS_ID } from '@coop/common';
import { libraryService } from '../../services/library';
import { invalidNips } from '../../services/library/nip-report';
import { freshNip } from '../support/nips';
import { graphql, send, sqlOf, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

const sql = <T>(text: string, params: unknown[] = []) => sqlOf<T>('library', text, params);

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number(
    (
      await sql<{ n: string }>(`SELECT count(*) AS n FROM library.${table} WHERE ${where}`, params)
    )[0]!.n,
  );

const firstError = (result: GraphQLResponse<unknown>) => result.errors?.[0];

const CREATE_FACILITY = `mutation ($input: CreateFacilityInput!) {
  createFacility(input: $input) { id name capacity version } }`;

describe('library writes', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await tokenFor('admin');
  });
  const asAdmin = <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ) => graphql<T>(query, variables, { token: admin });

  describe('facilities', () => {
    it('are created and changed by admins only; nobody else changes anything', async () => {
      const before = await count('facility');
      const input = {
        name: 'Ruang Kelas Baru',
        kind: 'CLASSROOM',
        capacity: 30,
        address: 'Jl. Salemba Raya No. 28A',
      };
      const anonymous = await graphql(CREATE_FACILITY, { input });
      expect(firstError(anonymous)?.extensions?.code).toBe('UNAUTHENTICATED');
      const operator = await graphql(
        CREATE_FACILITY,
        { input },
        { token: await tokenFor('regional-operator', '32') },
      );
      expect(firstError(operator)?.extensions?.code).toBe('FORBIDDEN');
      expect(await count('facility')).toBe(before);
    });

    it('refuse bad input with the field at fault, leaving no row and no audit record', async () => {
      const facilities = await count('facility');
      const audits = await count('audit_record');
      const result = await asAdmin(CREATE_FACILITY, {
        input: {
          name: 'Lab',
          kind: 'COMPUTER_LAB',
          capacity: 0,
          address: 'Jl. Medan Merdeka Selatan 11',
        },
      });
      expect(firstError(result)?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.capacity',
      });
      expect(firstError(result)?.message).toBe('input.capacity: capacity must be at least 1');
      expect(await count('facility')).toBe(facilities);
      expect(await count('audit_record')).toBe(audits);
    });

    it('are created once per client key, audited, and updated with optimistic concurrency', async () => {
      const input = {
        name: 'Laboratorium Digital Salemba',
        kind: 'COMPUTER_LAB',
        capacity: 24,
        address: 'Jl. Salemba Raya No. 28A, Jakarta Pusat',
        clientKey: `lab-${Date.now()}`,
      };
      const first = await asAdmin<{ createFacility: { id: string; version: number } }>(
        CREATE_FACILITY,
        { input },
      );
      const retry = await asAdmin<{ createFacility: { id: string } }>(CREATE_FACILITY, { input });
      const id = first.data!.createFacility.id;
      expect(retry.data!.createFacility.id).toBe(id);
      expect(await count('facility', 'name = $1', [input.name])).toBe(1);
      expect(first.data!.createFacility.version).toBe(1);

      const update = (capacity: number, version: number) =>
        asAdmin<{ updateFacility: { capacity: number; version: number } }>(
          `mutation ($id: ID!, $version: Int!, $capacity: Int) {
            updateFacility(id: $id, version: $version, input: { capacity: $capacity }) { capacity version } }`,
          { id, version, capacity },
        );
      // Two editors read version 1 and save at the same time: one wins, the other is told.
      const [a, b] = await Promise.all([update(30, 1), update(40, 1)]);
      const outcomes = [a, b].map((r) => (r.errors ? r.errors[0]!.extensions!.code : 'OK')).sort();
      expect(outcomes).toEqual(['CONFLICT', 'OK']);
      const stale = [a, b].find((r) => r.errors)!;
      expect(firstError(stale)?.message).toMatch(
        /changed by someone else \(version 2, you sent 1\)/,
      );

      const trail = await asAdmin<{ _entities: unknown }>(
        `{ facilities { id version auditTrail { action actor role before after } } }`,
      );
      const facility = (
        trail.data as unknown as {
          facilities: {
            id: string;
            version: number;
            auditTrail: { action: string; role: string; before: string | null; after: string }[];
          }[];
        }
      ).facilities.find((f) => f.id === id)!;
      expect(facility.version).toBe(2);
      expect(facility.auditTrail.map((r) => r.action)).toEqual([
        'updateFacility',
        'createFacility',
      ]);
      expect(facility.auditTrail[1]!.before).toBeNull();
      expect(JSON.parse(facility.auditTrail[0]!.before!).version).toBe(1);
      expect(facility.auditTrail[0]!.role).toBe('admin');

      const analyst = await graphql<{ facilities: { auditTrail: null }[] }>(
        `
          {
            facilities {
              auditTrail {
                action
              }
            }
          }
        `,
        {},
        { token: await tokenFor('analyst') },
      );
      expect(analyst.data!.facilities.every((f) => f.auditTrail === null)).toBe(true);
      expect(firstError(analyst)?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('agreements', () => {
    const CREATE = `mutation ($input: CreateAgreementInput!) {
      createAgreement(input: $input) { id kind status version parent { id } parties { role organization } } }`;
    const pks = (extra: Record<string, unknown> = {}) => ({
      kind: 'PKS',
      title: 'Perjanjian Kerja Sama Perpustakaan Nasional dan BPSDM Provinsi Bali',
      parentId: MOU_ID,
      signedOn: '2026-01-15',
      place: 'Denpasar',
      validFrom: '2026-01-15',
      validUntil: '2029-01-14',
      scopes: ['COMPETENCY_DEVELOPMENT'],
      parties: [
        { role: 'FIRST', organization: 'Perpustakaan Nasional Republik Indonesia' },
        { role: 'SECOND', organization: 'BPSDM Provinsi Bali', provinceCode: '51' },
      ],
      ...extra,
    });

    it('checks what a PKS needs and names the field at fault', async () => {
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ parentId: null }, 'input.parentId', /a PKS needs parentId/],
        [{ parentId: PKS_ID }, 'input.parentId', /carries out an MoU, not another PKS/],
        [{ validUntil: '2025-01-01' }, 'input.validUntil', /must not be before validFrom/],
        [
          { parties: [{ role: 'FIRST', organization: 'Perpusnas' }] },
          'input.parties',
          /at least two parties/,
        ],
      ];
      const before = await count('agreement');
      for (const [change, field, message] of cases) {
        const result = await asAdmin(CREATE, { input: pks(change) });
        expect({ field, extensions: firstError(result)?.extensions }).toMatchObject({
          field,
          extensions: { code: 'BAD_USER_INPUT', field },
        });
        expect(firstError(result)?.message).toMatch(message);
      }
      // Dates are checked by the Date scalar before any resolver runs.
      const date = await asAdmin(CREATE, { input: pks({ signedOn: '2026-02-30' }) });
      expect(firstError(date)?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(firstError(date)?.message).toMatch(/signedOn.*YYYY-MM-DD/);
      expect(await count('agreement')).toBe(before);
    });

    it('creates a PKS under the MoU, then terminates it', async () => {
      const created = await asAdmin<{
        createAgreement: {
          id: string;
          status: string;
          version: number;
          parent: { id: string };
          parties: unknown[];
        };
      }>(CREATE, { input: pks() });
      expect(created.errors).toBeUndefined();
      const agreement = created.data!.createAgreement;
      expect(agreement).toMatchObject({ status: 'ACTIVE', version: 1, parent: { id: MOU_ID } });
      expect(agreement.parties).toHaveLength(2);

      const TERMINATE = `mutation ($id: ID!, $version: Int!) {
        terminateAgreement(id: $id, version: $version, reason: "Digantikan oleh PKS baru tahun 2027") { status version terminatedOn } }`;
      const terminated = await asAdmin<{
        terminateAgreement: { status: string; version: number; terminatedOn: string };
      }>(TERMINATE, { id: agreement.id, version: 1 });
      expect(terminated.data!.terminateAgreement).toEqual({
        status: 'TERMINATED',
        version: 2,
        terminatedOn: '2026-11-25',
      });
      const again = await asAdmin(TERMINATE, { id: agreement.id, version: 2 });
      expect(firstError(again)?.message).toBe('The agreement is already terminated');
      const stale = await asAdmin(TERMINATE, { id: agreement.id, version: 1 });
      expect(firstError(stale)?.extensions?.code).toBe('CONFLICT');
    });
  });

  describe('librarians and certification', () => {
    const REGISTER = `mutation ($input: RegisterLibrarianInput!) { registerLibrarian(input: $input) { id nip level version } }`;
    const person = (extra: Record<string, unknown> = {}) => ({
      nip: freshNip(),
      name: 'Made Wirawan',
      category: 'EXPERT',
      level: 'AHLI_PERTAMA',
      grade: 'III/a',
      employer: 'Dinas Perpustakaan Provinsi Bali',
      provinceCode: '51',
      ...extra,
    });

    it('registers a librarian once per NIP, with a level of the right track', async () => {
      const bad = await asAdmin(REGISTER, { input: person({ nip: '1990-01-01' }) });
      expect(firstError(bad)?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.nip',
      });
      const mismatch = await asAdmin(REGISTER, { input: person({ category: 'SKILLED' }) });
      expect(firstError(mismatch)?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.level',
      });
      const input = person();
      const created = await asAdmin<{ registerLibrarian: { nip: string } }>(REGISTER, { input });
      expect(created.data!.registerLibrarian.nip).toBe(input.nip);
      const duplicate = await asAdmin(REGISTER, { input: { ...input, name: 'Someone Else' } });
      expect(firstError(duplicate)?.extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'input.nip',
      });
      expect(await count('librarian', 'nip = $1', [input.nip])).toBe(1);
    });

    /** `nip` with the digits from `start` (0-based) replaced by `digits`. */
    const replaced = (nip: string, start: number, digits: string) =>
      nip.slice(0, start) + digits + nip.slice(start + digits.length);

    it('refuses a NIP whose structure does not hold with 400, naming the part, and writes nothing', async () => {
      const audits = await count('audit_record');
      const broken: [number, string, RegExp][] = [
        [
          0,
          '19900230',
          /^input\.nip: digits 1–8 are the birth date \(YYYYMMDD\): 19900230 is no calendar date$/,
        ],
        [
          12,
          '13',
          /^input\.nip: digits 9–14 are the appointment as CPNS \(TMT CPNS, YYYYMM\): month 13 is not 01–12$/,
        ],
        [8, '196001', /: 1960-01 is before the month of the 18th birthday \(19\d\d-\d\d\)$/],
        [8, '202701', /: 2027-01 is after this month \(2026-11\)$/],
        [14, '3', /^input\.nip: digit 15 is the sex \(1 male, 2 female\): 3 is neither$/],
        [15, '000', /^input\.nip: digits 16–18 are the serial number \(001–999\): 000 is none$/],
      ];
      for (const [start, digits, message] of broken) {
        const nip = replaced(freshNip(), start, digits);
        const { status, body } = await send(REGISTER, { input: person({ nip }) }, { token: admin });
        expect([nip, status, body.data ?? null]).toEqual([nip, 400, null]);
        expect(firstError(body)?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'input.nip',
        });
        expect(firstError(body)?.message).toMatch(message);
        expect(await count('librarian', 'nip = $1', [nip])).toBe(0);
      }
      expect(await count('audit_record')).toBe(audits);
    });

    it('keeps a stored NIP written before the check readable and its row changeable, and reports it', async () => {
      const legacy = replaced(freshNip(), 12, '13');
      const id = randomUUID();
      await sql(
        `INSERT INTO library.librarian (id, nip, name, category, level, grade, employer, province_code)
         VALUES ($1, $2, 'Ketut Lama', 'EXPERT', 'AHLI_PERTAMA', 'III/a', 'Perpustakaan Umum Kota Denpasar', '51')`,
        [id, legacy],
      );
      const read = await asAdmin<{ librarian: { nip: string } }>(
        'query ($id: ID!) { librarian(id: $id) { nip } }',
        { id },
      );
      expect(read.data?.librarian.nip).toBe(legacy);
      const UPDATE = `mutation ($id: ID!, $input: UpdateLibrarianInput!) {
        updateLibrarian(id: $id, version: 1, input: $input) { nip employer version } }`;
      const updated = await asAdmin(UPDATE, {
        id,
        input: { employer: 'Dinas Perpustakaan Kota Denpasar' },
      });
      expect(updated).toEqual({
        data: {
          updateLibrarian: {
            nip: legacy,
            employer: 'Dinas Perpustakaan Kota Denpasar',
            version: 2,
          },
        },
      });
      // A lookup by that NIP is refused before any SQL, as for any NIP that cannot exist.
      const lookup = await send(
        'query ($nip: String!) { librarianByNip(nip: $nip) { id } }',
        { nip: legacy },
        { token: admin },
      );
      expect(lookup.status).toBe(400);
      expect(firstError(lookup.body)?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'nip',
      });
      const db = openDataSource(libraryService, testStack().databaseUrls.library);
      await db.initialize();
      try {
        expect(await invalidNips(db, '2026-11-25')).toContainEqual({
          librarianId: id,
          provinceCode: '51',
          problem:
            'digits 9–14 are the appointment as CPNS (TMT CPNS, YYYYMM): month 13 is not 01–12',
        });
      } finally {
        await db.destroy();
      }
    });

    it('issues a 3-year certificate for COMPETENT, none otherwise, and revokes one', async () => {
      const created = await asAdmin<{ registerLibrarian: { id: string } }>(REGISTER, {
        input: person(),
      });
      const librarianId = created.data!.registerLibrarian.id;
      const RECORD = `mutation ($input: RecordAssessmentInput!) { recordAssessment(input: $input) {
        number result status issuedOn expiresOn holder { id } } }`;
      const competent = await asAdmin<{
        recordAssessment: { number: string; status: string; issuedOn: string; expiresOn: string };
      }>(RECORD, {
        input: { librarianId, schemeCode: 'LP', assessedOn: '2026-10-01', result: 'COMPETENT' },
      });
      const certificate = competent.data!.recordAssessment;
      expect(certificate.number).toMatch(/^LSP-PUS\/2026\/\d{6}$/);
      expect(certificate).toMatchObject({
        status: 'VALID',
        issuedOn: '2026-10-01',
        expiresOn: addYears('2026-10-01', 3),
      });

      const notYet = await asAdmin<{ recordAssessment: { status: string; expiresOn: null } }>(
        RECORD,
        {
          input: {
            librarianId,
            schemeCode: 'PK',
            assessedOn: '2026-10-02',
            result: 'NOT_YET_COMPETENT',
          },
        },
      );
      expect(notYet.data!.recordAssessment).toMatchObject({
        status: 'NOT_ISSUED',
        expiresOn: null,
      });

      const unknownScheme = await asAdmin(RECORD, {
        input: { librarianId, schemeCode: 'XX', assessedOn: '2026-10-01', result: 'COMPETENT' },
      });
      expect(firstError(unknownScheme)?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.schemeCode',
      });
      const future = await asAdmin(RECORD, {
        input: { librarianId, schemeCode: 'LP', assessedOn: '2027-01-01', result: 'COMPETENT' },
      });
      expect(firstError(future)?.message).toBe(
        'input.assessedOn: assessedOn must not be in the future',
      );

      const REVOKE = `mutation ($n: ID!) { revokeCertificate(number: $n, reason: "Dokumen persyaratan tidak sah") { status } }`;
      expect(
        (
          await asAdmin<{ revokeCertificate: { status: string } }>(REVOKE, {
            n: certificate.number,
          })
        ).data!.revokeCertificate.status,
      ).toBe('REVOKED');
      expect(firstError(await asAdmin(REVOKE, { n: certificate.number }))?.message).toMatch(
        /already revoked/,
      );
      const verify = await graphql<{ verifyCertificate: { valid: boolean; status: string } }>(
        `
          query ($n: String!) {
            verifyCertificate(number: $n) {
              valid
              status
            }
          }
        `,
        { n: certificate.number },
      );
      expect(verify.data!.verifyCertificate).toEqual({ valid: false, status: 'REVOKED' });
    });

    it('never gives two simultaneous assessments the same number', async () => {
      const created = await asAdmin<{ registerLibrarian: { id: string } }>(REGISTER, {
        input: person(),
      });
      const librarianId = created.data!.registerLibrarian.id;
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          asAdmin<{ recordAssessment: { number: string } }>(
            `mutation ($input: RecordAssessmentInput!) { recordAssessment(input: $input) { number } }`,
            {
              input: {
                librarianId,
                schemeCode: 'PBP',
                assessedOn: '2026-11-20',
                result: 'COMPETENT',
              },
            },
          ),
        ),
      );
      const numbers = results.map((r) => r.data!.recordAssessment.number);
      expect(new Set(numbers).size).toBe(10);
    });
  });
});
