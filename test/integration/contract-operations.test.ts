import { PKS_ID, today } from '@coop/common';
import { contractOperation } from '../../contract';
import { adminToken, graphql, query, sqlOf } from '../support/stack';

/**
 * The five operations of the API contract, through the gateway. Expected values come from SQL
 * written here, against each owner's own tables: an oracle independent of the resolvers.
 */
const sql = sqlOf;
/** The operation as contract/operations holds it, and as a client sends it. */
const operation = (name: string) => contractOperation(name).text;

const TODAY = '2026-11-25';

describe('the contract operations', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await adminToken();
    // The stack computes statuses against the pinned date; so do these expectations.
    process.env.TODAY = TODAY;
    expect(today()).toBe(TODAY);
  });

  it('MyRuns: an office sees its runs, newest first, with program and agreement', async () => {
    const data = await query<{
      regionalOffice: {
        name: string;
        runs: {
          totalCount: number;
          edges: {
            node: {
              batchLabel: string;
              startsOn: string;
              status: string;
              enrolmentCount: number;
              program: {
                title: string;
                lessonHours: number;
                scope: string;
                agreement: { title: string } | null;
              };
            };
          }[];
        };
      };
    }>(operation('MyRuns'));
    const office = data.regionalOffice;
    expect(office.name).toBe('BPSDM Provinsi Jawa Barat');

    const runs = await sql<{
      batch: number;
      starts_on: string;
      status: string;
      enrolled: string;
      program_id: string;
    }>(
      'bpsdm-regional',
      `SELECT r.batch, to_char(r.starts_on, 'YYYY-MM-DD') AS starts_on, r.status, r.program_id,
              (SELECT count(*) FROM bpsdm_regional.enrolment e
                WHERE e.run_id = r.id AND e.status <> 'WITHDRAWN') AS enrolled
         FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
        WHERE o.province_code = '32'
        ORDER BY r.starts_on DESC, r.id`,
    );
    expect(office.runs.totalCount).toBe(runs.length);
    expect(office.runs.edges.map((edge) => edge.node.startsOn)).toEqual(
      runs.slice(0, 50).map((run) => run.starts_on),
    );
    expect(office.runs.edges.map((edge) => edge.node.enrolmentCount)).toEqual(
      runs.slice(0, 50).map((run) => Number(run.enrolled)),
    );
    const first = office.runs.edges[0]!.node;
    const programs = await sql<{ title: string; lesson_hours: number }>(
      'bpsdm-central',
      `SELECT title, lesson_hours FROM bpsdm_central.training_program WHERE id = $1`,
      [runs[0]!.program_id],
    );
    expect(first.program.title).toBe(programs[0]!.title);
    expect(first.program.lessonHours).toBe(programs[0]!.lesson_hours);
    expect(first.program.agreement?.title).toMatch(/^Perjanjian Kerja Sama/);
    const roman: Record<number, string> = { 1: 'I', 2: 'II', 3: 'III', 4: 'IV', 5: 'V', 6: 'VI' };
    if (roman[runs[0]!.batch]) expect(first.batchLabel).toBe(roman[runs[0]!.batch]);
  });

  it('Dashboard: training and certification side by side for all 38 provinces', async () => {
    const data = await query<{
      regionalOffices: {
        provinceCode: string;
        trainingStats: { runs: number; participants: number; completionRate: number };
        librarianStats: { librarians: number; certified: number; certificationRate: number };
      }[];
    }>(operation('Dashboard'), {}, { token: admin });
    expect(data.regionalOffices).toHaveLength(38);

    const training = await sql<{
      province_code: string;
      runs: string;
      participants: string;
      completed: string;
      enrolled: string;
    }>(
      'bpsdm-regional',
      `SELECT o.province_code,
              count(DISTINCT r.id) AS runs,
              count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN') AS participants,
              count(e.id) FILTER (WHERE e.status = 'COMPLETED') AS completed,
              count(e.id) AS enrolled
         FROM bpsdm_regional.regional_office o
         JOIN bpsdm_regional.program_run r ON r.office_id = o.id AND r.status <> 'CANCELLED'
              AND date_part('year', r.starts_on) = 2025
         LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
        GROUP BY o.province_code`,
    );
    const librarians = await sql<{ province_code: string; librarians: string; certified: string }>(
      'library',
      `SELECT l.province_code, count(*) AS librarians,
              count(*) FILTER (WHERE l.id IN (
                SELECT librarian_id FROM library.certification
                 WHERE result = 'COMPETENT' AND expires_on >= $1
                   AND (revoked_on IS NULL OR revoked_on > $1))) AS certified
         FROM library.librarian l GROUP BY l.province_code`,
      [TODAY],
    );
    let officesWithTraining = 0;
    for (const office of data.regionalOffices) {
      const t = training.find((row) => row.province_code === office.provinceCode);
      const enrolled = Number(t?.enrolled ?? 0);
      expect(office.trainingStats.runs).toBe(Number(t?.runs ?? 0));
      expect(office.trainingStats.participants).toBe(Number(t?.participants ?? 0));
      expect(office.trainingStats.completionRate).toBeCloseTo(
        enrolled ? Number(t!.completed) / enrolled : 0,
        10,
      );
      if (enrolled) officesWithTraining += 1;
      const l = librarians.find((row) => row.province_code === office.provinceCode);
      expect(office.librarianStats.librarians).toBe(Number(l?.librarians ?? 0));
      expect(office.librarianStats.certified).toBe(Number(l?.certified ?? 0));
      expect(office.librarianStats.certificationRate).toBeCloseTo(
        l ? Number(l.certified) / Number(l.librarians) : 0,
        10,
      );
    }
    expect(officesWithTraining).toBeGreaterThan(10);
  });

  it('Agreement: the PKS, its MoU, parties, programs and where they run', async () => {
    const data = await query<{
      agreement: {
        title: string;
        kind: string;
        parent: { title: string };
        scopes: string[];
        parties: { organization: string; signatory: { name: string; position: string } }[];
        programs: {
          title: string;
          scope: string;
          runs: {
            totalCount: number;
            edges: { node: { office: { name: string }; enrolmentCount: number } }[];
          };
        }[];
      };
    }>(operation('Agreement'), { id: PKS_ID });
    const pks = data.agreement;
    expect(pks.kind).toBe('PKS');
    expect(pks.parent.title).toMatch(/^Nota Kesepahaman antara Kementerian Dalam Negeri/);
    expect(pks.scopes).toEqual([
      'COMPETENCY_DEVELOPMENT',
      'FACILITIES',
      'COMPETENCY_CERTIFICATION',
      'INFORMATION_TECHNOLOGY',
    ]);
    expect(pks.parties).toEqual([
      {
        organization: 'Perpustakaan Nasional Republik Indonesia',
        signatory: { name: 'Ofy Sofiana', position: 'Sekretaris Utama Perpustakaan Nasional' },
      },
      {
        organization: 'Badan Pengembangan Sumber Daya Manusia Kementerian Dalam Negeri',
        signatory: { name: 'Sugeng Hariyono', position: 'Kepala BPSDM Kementerian Dalam Negeri' },
      },
    ]);
    const programs = await sql<{ id: string; title: string }>(
      'bpsdm-central',
      `SELECT id, title FROM bpsdm_central.training_program WHERE agreement_id = $1 ORDER BY title, id`,
      [PKS_ID],
    );
    expect(pks.programs.map((program) => program.title)).toEqual(programs.map((p) => p.title));
    const runCounts = await sql<{ program_id: string; n: string }>(
      'bpsdm-regional',
      `SELECT program_id, count(*) AS n FROM bpsdm_regional.program_run
        WHERE program_id = ANY($1) GROUP BY program_id`,
      [programs.map((p) => p.id)],
    );
    programs.forEach((program, index) => {
      const expected = Number(runCounts.find((row) => row.program_id === program.id)?.n ?? 0);
      expect(pks.programs[index]!.runs.totalCount).toBe(expected);
      expect(pks.programs[index]!.runs.edges).toHaveLength(Math.min(expected, 100));
    });
    const offices = pks.programs.flatMap((p) => p.runs.edges.map((edge) => edge.node.office.name));
    expect(new Set(offices).size).toBeGreaterThan(5);
  });

  it("Profile: a librarian's certificates, enrolments and lesson hours", async () => {
    const [candidate] = await sql<{ librarian_id: string }>(
      'bpsdm-regional',
      `SELECT librarian_id FROM bpsdm_regional.enrolment
        WHERE status = 'COMPLETED' GROUP BY librarian_id ORDER BY count(*) DESC, librarian_id LIMIT 1`,
    );
    const id = candidate!.librarian_id;
    const data = await query<{
      librarian: {
        name: string;
        level: string;
        certifications: { scheme: { name: string }; status: string; expiresOn: string | null }[];
        enrolments: {
          status: string;
          run: { batchLabel: string; program: { title: string }; office: { name: string } };
        }[];
        lessonHoursCompleted: number;
      };
    }>(operation('Profile'), { id }, { token: admin });
    const [person] = await sql<{ name: string; level: string }>(
      'library',
      `SELECT name, level FROM library.librarian WHERE id = $1`,
      [id],
    );
    expect(data.librarian.name).toBe(person!.name);
    expect(data.librarian.level).toBe(person!.level);
    const certificates = await sql<{ status: string; expires_on: string | null }>(
      'library',
      `SELECT CASE WHEN result <> 'COMPETENT' THEN 'NOT_ISSUED'
                   WHEN revoked_on IS NOT NULL AND revoked_on <= $2 THEN 'REVOKED'
                   WHEN expires_on < $2 THEN 'EXPIRED' ELSE 'VALID' END AS status,
              to_char(expires_on, 'YYYY-MM-DD') AS expires_on
         FROM library.certification WHERE librarian_id = $1 ORDER BY assessed_on DESC, number`,
      [id, TODAY],
    );
    expect(
      data.librarian.certifications.map(({ status, expiresOn }) => ({ status, expiresOn })),
    ).toEqual(certificates.map((c) => ({ status: c.status, expiresOn: c.expires_on })));
    const enrolments = await sql<{ status: string }>(
      'bpsdm-regional',
      `SELECT status FROM bpsdm_regional.enrolment WHERE librarian_id = $1`,
      [id],
    );
    expect(data.librarian.enrolments.map((e) => e.status).sort()).toEqual(
      enrolments.map((e) => e.status).sort(),
    );
    for (const enrolment of data.librarian.enrolments) {
      expect(enrolment.run.office.name).toMatch(/^BPSDM Provinsi /);
      expect(enrolment.run.batchLabel).toMatch(/^[IVXLCDM]+$/);
    }
    const [hours] = await sql<{ total: string | null }>(
      'bpsdm-regional',
      `SELECT sum(e.lesson_hours_earned) AS total FROM bpsdm_regional.enrolment e
         JOIN bpsdm_regional.program_run r ON r.id = e.run_id
        WHERE e.librarian_id = $1 AND e.status = 'COMPLETED' AND date_part('year', r.ends_on) = 2025`,
      [id],
    );
    expect(data.librarian.lessonHoursCompleted).toBe(Number(hours!.total ?? 0));
  });

  it('Verify: anyone can check a certificate, and learns nothing more', async () => {
    const [valid] = await sql<{ number: string; expires_on: string; name: string }>(
      'library',
      `SELECT c.number, to_char(c.expires_on, 'YYYY-MM-DD') AS expires_on, l.name
         FROM library.certification c JOIN library.librarian l ON l.id = c.librarian_id
        WHERE c.result = 'COMPETENT' AND c.revoked_on IS NULL AND c.expires_on >= $1
        ORDER BY c.number LIMIT 1`,
      [TODAY],
    );
    const [expired] = await sql<{ number: string }>(
      'library',
      `SELECT number FROM library.certification
        WHERE result = 'COMPETENT' AND revoked_on IS NULL AND expires_on < $1 ORDER BY number LIMIT 1`,
      [TODAY],
    );
    const verify = (n: string) =>
      graphql<{ verifyCertificate: Record<string, unknown> }>(operation('Verify'), { n });
    const genuine = await verify(valid!.number);
    expect(genuine.data?.verifyCertificate).toEqual({
      valid: true,
      status: 'VALID',
      scheme: { name: expect.any(String) as unknown },
      expiresOn: valid!.expires_on,
      // The initial and a mask of fixed length: no other initial, no word count or length.
      holderName: `${valid!.name.trim()[0]!.toUpperCase()}*****`,
    });
    expect((await verify(expired!.number)).data?.verifyCertificate).toMatchObject({
      valid: false,
      status: 'EXPIRED',
    });
    expect((await verify('LSP-PUS/1999/000000')).data?.verifyCertificate).toEqual({
      valid: false,
      status: null,
      scheme: null,
      expiresOn: null,
      holderName: null,
    });
  });
});

describe('the contract operations of scope 4 (IT initiatives)', () => {
  interface RolloutRow {
    initiative_code: string;
    province_code: string;
    status: string;
    libraries_using: number;
    libraries_total: number | null;
    has_forum: boolean;
    since: string | null;
  }
  const rollouts = () =>
    sql<RolloutRow>(
      'library',
      `SELECT initiative_code, province_code, status, libraries_using, libraries_total, has_forum,
              to_char(since, 'YYYY-MM-DD') AS since
         FROM library.it_rollout ORDER BY province_code, initiative_code`,
    );

  it('ItDashboard: every province’s IT adoption and its training numbers in one query', async () => {
    const data = await query<{
      regionalOffices: {
        provinceCode: string;
        name: string;
        itAdoption: {
          initiative: { code: string };
          status: string;
          librariesUsing: number;
          hasForum: boolean;
        }[];
        trainingStats: { runs: number; participants: number };
      }[];
    }>(operation('ItDashboard'), {}, { token: await adminToken(), fresh: true });
    expect(data.regionalOffices).toHaveLength(38);
    const adoption = await rollouts();
    const training = await sql<{ province_code: string; runs: number; participants: number }>(
      'bpsdm-regional',
      `SELECT o.province_code, count(DISTINCT r.id)::int AS runs,
              (count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN'))::int AS participants
         FROM bpsdm_regional.regional_office o
         JOIN bpsdm_regional.program_run r ON r.office_id = o.id AND r.status <> 'CANCELLED'
              AND date_part('year', r.starts_on) = 2025
         LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
        GROUP BY o.province_code`,
    );
    for (const office of data.regionalOffices) {
      expect(office.itAdoption).toEqual(
        adoption
          .filter((row) => row.province_code === office.provinceCode)
          .map((row) => ({
            initiative: { code: row.initiative_code },
            status: row.status,
            librariesUsing: row.libraries_using,
            hasForum: row.has_forum,
          })),
      );
      const t = training.find((row) => row.province_code === office.provinceCode);
      expect(office.trainingStats).toEqual({
        runs: t?.runs ?? 0,
        participants: t?.participants ?? 0,
      });
    }
    // The facts: the six provinces with an INLISLite forum, each with half its libraries on it.
    const forums = data.regionalOffices.filter((office) =>
      office.itAdoption.some((r) => r.initiative.code === 'INLISLITE' && r.hasForum),
    );
    expect(forums.map((office) => office.name).sort()).toEqual([
      'BPSDM Provinsi Aceh',
      'BPSDM Provinsi Jambi',
      'BPSDM Provinsi Jawa Tengah',
      'BPSDM Provinsi Jawa Timur',
      'BPSDM Provinsi Nusa Tenggara Barat',
      'BPSDM Provinsi Sumatera Barat',
    ]);
    const withTrainingAndIt = data.regionalOffices.filter(
      (office) => office.itAdoption.length > 0 && office.trainingStats.runs > 0,
    );
    expect(withTrainingAndIt.length).toBeGreaterThan(5);
  });

  it('IT initiatives: the five services, their rollouts page by page and filtered', async () => {
    const ROLLOUTS = `query ($first: Int, $after: String, $filter: ItRolloutFilter) {
      itInitiatives { code name kind url
        rollouts(first: $first, after: $after, filter: $filter) { totalCount
          pageInfo { hasNextPage endCursor }
          edges { node { provinceCode status librariesUsing librariesTotal hasForum since
            office { name } initiative { code } } } } } }`;
    type Answer = {
      itInitiatives: {
        code: string;
        name: string;
        kind: string;
        url: string;
        rollouts: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          edges: { node: Record<string, unknown> & { office: { name: string } } }[];
        };
      }[];
    };
    const first = await query<Answer>(ROLLOUTS, { first: 10 });
    const initiatives = await sql<{ code: string; name: string; kind: string; url: string }>(
      'library',
      `SELECT code, name, kind, url FROM library.it_initiative ORDER BY code`,
    );
    expect(
      first.itInitiatives.map(({ code, name, kind, url }) => ({ code, name, kind, url })),
    ).toEqual(initiatives);
    expect(initiatives.map((i) => i.code)).toEqual(
      expect.arrayContaining(['E_RESOURCES', 'INLISLITE', 'IPUSNAS', 'KHASTARA', 'ONESEARCH']),
    );
    const all = await rollouts();
    const asNode = (row: RolloutRow) => ({
      provinceCode: row.province_code,
      status: row.status,
      librariesUsing: row.libraries_using,
      librariesTotal: row.libraries_total,
      hasForum: row.has_forum,
      since: row.since,
      initiative: { code: row.initiative_code },
    });
    for (const initiative of first.itInitiatives) {
      const expected = all.filter((row) => row.initiative_code === initiative.code);
      expect(initiative.rollouts.totalCount).toBe(expected.length);
      expect(initiative.rollouts.edges.map(({ node: { office: _, ...node } }) => node)).toEqual(
        expected.slice(0, 10).map(asNode),
      );
      expect(initiative.rollouts.pageInfo.hasNextPage).toBe(expected.length > 10);
      for (const edge of initiative.rollouts.edges)
        expect(edge.node.office.name).toMatch(/^BPSDM Provinsi /);
    }
    // The next page of every initiative, from its own cursor.
    const inlis = first.itInitiatives.find((i) => i.code === 'INLISLITE')!;
    const next = await query<Answer>(ROLLOUTS, {
      first: 10,
      after: inlis.rollouts.pageInfo.endCursor,
    });
    expect(
      next.itInitiatives
        .find((i) => i.code === 'INLISLITE')!
        .rollouts.edges.map((edge) => edge.node.provinceCode),
    ).toEqual(
      all
        .filter((row) => row.initiative_code === 'INLISLITE')
        .slice(10, 20)
        .map((row) => row.province_code),
    );
    // Filtered: in use in Jawa Timur.
    const filtered = await query<Answer>(ROLLOUTS, {
      first: 100,
      filter: { provinceCode: '35', status: 'IN_USE' },
    });
    for (const initiative of filtered.itInitiatives) {
      const expected = all.filter(
        (row) =>
          row.initiative_code === initiative.code &&
          row.province_code === '35' &&
          row.status === 'IN_USE',
      );
      expect(initiative.rollouts.totalCount).toBe(expected.length);
      expect(initiative.rollouts.edges.map((edge) => edge.node.provinceCode)).toEqual(
        expected.map((row) => row.province_code),
      );
    }
    const one = await query<{ itInitiative: { name: string } | null; none: null }>(
      `{ itInitiative(code: "INLISLITE") { name } none: itInitiative(code: "NOPE") { name } }`,
    );
    expect(one).toEqual({ itInitiative: { name: inlis.name }, none: null });
  });

  it('TrainingProgram.initiative: each IT program names the service it teaches', async () => {
    const data = await query<{
      trainingPrograms: {
        totalCount: number;
        edges: { node: { code: string; initiative: { code: string; name: string } | null } }[];
      };
    }>(
      `{ trainingPrograms(filter: { scope: INFORMATION_TECHNOLOGY }, first: 100) { totalCount
        edges { node { code initiative { code name } } } } }`,
    );
    const programs = await sql<{ code: string; initiative_code: string | null }>(
      'bpsdm-central',
      `SELECT code, initiative_code FROM bpsdm_central.training_program
        WHERE scope = 'INFORMATION_TECHNOLOGY' ORDER BY title, id LIMIT 100`,
    );
    const names = new Map(
      (
        await sql<{ code: string; name: string }>(
          'library',
          `SELECT code, name FROM library.it_initiative`,
        )
      ).map((row) => [row.code, row.name]),
    );
    expect(data.trainingPrograms.edges.map((edge) => edge.node)).toEqual(
      programs.map((p) => ({
        code: p.code,
        initiative: p.initiative_code
          ? { code: p.initiative_code, name: names.get(p.initiative_code) }
          : null,
      })),
    );
    expect(
      data.trainingPrograms.edges.find((e) => e.node.code === 'OTM-INLIS')?.node.initiative?.code,
    ).toBe('INLISLITE');
    const others = await sql<{ n: number }>(
      'bpsdm-central',
      `SELECT count(*)::int AS n FROM bpsdm_central.training_program
        WHERE scope <> 'INFORMATION_TECHNOLOGY' AND initiative_code IS NOT NULL`,
    );
    expect(others[0]!.n).toBe(0);
  });
});
