import { Client } from 'pg';

/** An OPEN run with places left, and who holds a place in it (a withdrawn librarian may come back). */
export interface OpenRun {
  id: string;
  placesLeft: number;
  enrolled: Set<string>;
}

/** An enrolment a result may be recorded on, and the most lesson hours it may earn. */
export interface ResultableEnrolment {
  id: string;
  lessonHours: number;
}

/**
 * Real ids of the database the graph serves, for requests that succeed: what each simulated
 * user asks for, and what the writes change.
 */
export interface MixSample {
  provinceCodes: string[];
  librariansByProvince: Map<string, string[]>;
  agreementIds: string[];
  certificateNumbers: string[];
  programIds: string[];
  /** `province/program/batch` of every run: planRun needs a batch not used yet. */
  usedBatches: Set<string>;
  openRunsByProvince: Map<string, OpenRun[]>;
  resultableByProvince: Map<string, ResultableEnrolment[]>;
}

export const batchKey = (provinceCode: string, programId: string, batch: number) =>
  `${provinceCode}/${programId}/${batch}`;

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row)) ?? [];
    group.push(row);
    groups.set(key(row), group);
  }
  return groups;
}

/** Librarians per province drawn: enough for variety, few enough to hold. */
const LIBRARIANS_PER_PROVINCE = 200;
const CERTIFICATES = 2000;
const RESULTABLE_PER_PROVINCE = 200;

/** Reads the sample straight from the graph's database (one database, a schema per service). */
export async function drawSample(databaseUrl: string): Promise<MixSample> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = async <T>(sql: string, values: unknown[] = []) =>
      (await client.query(sql, values)).rows as T[];
    const offices = await rows<{ code: string }>(
      `SELECT province_code AS code FROM bpsdm_regional.regional_office ORDER BY 1`,
    );
    const librarians = await rows<{ id: string; province: string }>(
      `SELECT id, province FROM (
         SELECT id, province_code AS province,
                row_number() OVER (PARTITION BY province_code ORDER BY random()) AS n
           FROM library.librarian) ranked
        WHERE n <= $1`,
      [LIBRARIANS_PER_PROVINCE],
    );
    const agreements = await rows<{ id: string }>(`SELECT id FROM library.agreement`);
    const certificates = await rows<{ number: string }>(
      `SELECT number FROM library.certification ORDER BY random() LIMIT $1`,
      [CERTIFICATES],
    );
    const programs = await rows<{ id: string }>(`SELECT id FROM bpsdm_central.training_program`);
    const batches = await rows<{ province: string; program: string; batch: number }>(
      `SELECT o.province_code AS province, r.program_id AS program, r.batch
         FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id`,
    );
    const openRuns = await rows<{ id: string; province: string; places: number; held: string[] }>(
      `SELECT r.id, o.province_code AS province,
              (r.quota - count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN'))::int AS places,
              coalesce(array_agg(e.librarian_id) FILTER (WHERE e.status <> 'WITHDRAWN'), '{}') AS held
         FROM bpsdm_regional.program_run r
         JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
         LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
        WHERE r.status = 'OPEN'
        GROUP BY r.id, o.province_code`,
    );
    // What recordResult accepts (resolvers/enrolment-mutations.ts): a result in an ONGOING run,
    // or a correction of a COMPLETED enrolment in a COMPLETED run.
    const resultable = await rows<{ id: string; province: string; hours: number }>(
      `SELECT id, province, hours FROM (
         SELECT e.id, o.province_code AS province, p.lesson_hours AS hours,
                row_number() OVER (PARTITION BY o.province_code ORDER BY random()) AS n
           FROM bpsdm_regional.enrolment e
           JOIN bpsdm_regional.program_run r ON r.id = e.run_id
           JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
           JOIN bpsdm_central.training_program p ON p.id = r.program_id
          WHERE (r.status = 'ONGOING' AND e.status IN ('REGISTERED', 'ATTENDING', 'COMPLETED'))
             OR (r.status = 'COMPLETED' AND e.status = 'COMPLETED')) ranked
        WHERE n <= $1`,
      [RESULTABLE_PER_PROVINCE],
    );
    const ids = (group: { id: string }[] = []) => group.map(({ id }) => id);
    return {
      provinceCodes: offices.map(({ code }) => code),
      librariansByProvince: new Map(
        [...groupBy(librarians, (row) => row.province)].map(([code, group]) => [code, ids(group)]),
      ),
      agreementIds: ids(agreements),
      certificateNumbers: certificates.map(({ number }) => number),
      programIds: ids(programs),
      usedBatches: new Set(batches.map((row) => batchKey(row.province, row.program, row.batch))),
      openRunsByProvince: new Map(
        [...groupBy(openRuns, (row) => row.province)].map(([code, group]) => [
          code,
          group
            .filter((run) => run.places > 0)
            .map((run) => ({ id: run.id, placesLeft: run.places, enrolled: new Set(run.held) })),
        ]),
      ),
      resultableByProvince: new Map(
        [...groupBy(resultable, (row) => row.province)].map(([code, group]) => [
          code,
          group.map((row) => ({ id: row.id, lessonHours: row.hours })),
        ]),
      ),
    };
  } finally {
    await client.end();
  }
}
