import { MIN_GROUP_SIZE, protectTable, TOTAL, type Protection } from '@coop/common';
import type { DataSource } from 'typeorm';

/** Counts of the training an office (or the nation) delivered; the rate is derived from them. */
export interface TrainingCounts {
  runs: number;
  participants: number;
  completed: number;
  /** Every enrolment of those runs, withdrawn ones included: the base of the completion rate. */
  enrolled: number;
  lessonHoursDelivered: number;
}

export const NO_TRAINING: TrainingCounts = {
  runs: 0,
  participants: 0,
  completed: 0,
  enrolled: 0,
  lessonHoursDelivered: 0,
};

interface Row extends TrainingCounts {
  kind: 'cell' | 'office' | 'year' | 'all';
  provinceCode: string | null;
  year: number | null;
  persons: number;
}

/**
 * Every office's counts per year (`office_training_stats`, kept current on every write, see the
 * TrainingStats migration) and, where a total might describe fewer than k persons (every cell
 * of its row or column does), the distinct persons behind that total, counted from the
 * enrolments of those offices or years only. One statement; the persons are counted for the
 * rare small totals alone, so the large seed reads 38 × years rows and no enrolment.
 */
const TABLE_SQL = `
  WITH cells AS (
         SELECT o.province_code, s.office_id, s.year, s.runs, s.participants, s.completed,
                s.enrolled, s.lesson_hours_delivered, s.persons
           FROM bpsdm_regional.office_training_stats s
           JOIN bpsdm_regional.regional_office o ON o.id = s.office_id),
       few_offices AS (SELECT office_id FROM cells GROUP BY office_id HAVING max(persons) < $1),
       few_years AS (SELECT year FROM cells GROUP BY year HAVING max(persons) < $1),
       few_at_all AS (SELECT 1 FROM cells HAVING coalesce(max(persons), 0) < $1),
       counted AS (
         SELECT r.office_id, extract(year FROM r.starts_on)::integer AS year, e.librarian_id
           FROM bpsdm_regional.program_run r
           JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
          WHERE r.status <> 'CANCELLED'
            AND (r.office_id IN (SELECT office_id FROM few_offices)
                 OR extract(year FROM r.starts_on)::integer IN (SELECT year FROM few_years)
                 OR EXISTS (SELECT 1 FROM few_at_all)))
  SELECT 'cell' AS kind, province_code AS "provinceCode", year, runs, participants, completed, enrolled,
         lesson_hours_delivered::integer AS "lessonHoursDelivered", persons
    FROM cells
  UNION ALL
  SELECT 'office', o.province_code, NULL, 0, 0, 0, 0, 0, count(DISTINCT c.librarian_id)::integer
    FROM counted c JOIN bpsdm_regional.regional_office o ON o.id = c.office_id
   WHERE c.office_id IN (SELECT office_id FROM few_offices) GROUP BY o.province_code
  UNION ALL
  SELECT 'year', NULL, year, 0, 0, 0, 0, 0, count(DISTINCT librarian_id)::integer
    FROM counted WHERE year IN (SELECT year FROM few_years) GROUP BY year
  UNION ALL
  SELECT 'all', NULL, NULL, 0, 0, 0, 0, 0, count(DISTINCT librarian_id)::integer
    FROM counted HAVING EXISTS (SELECT 1 FROM few_at_all)`;

/**
 * The training table: counts by office (a row, by province code) and year (a column), their
 * totals, and what is withheld.
 */
export interface TrainingTable {
  /** Counts of an office (TOTAL: every office) in a year (TOTAL: every year). */
  counts(provinceCode: string, year: string): TrainingCounts;
  /** The cells (office, year) with runs that a figure sums: itself, or a total's parts. */
  parts(provinceCode: string, year: string): { provinceCode: string; year: string }[];
  protection: Protection;
}

const add = (a: TrainingCounts, b: TrainingCounts): TrainingCounts => ({
  runs: a.runs + b.runs,
  participants: a.participants + b.participants,
  completed: a.completed + b.completed,
  enrolled: a.enrolled + b.enrolled,
  lessonHoursDelivered: a.lessonHoursDelivered + b.lessonHoursDelivered,
});

/** Reads and protects the whole training table (decision 23): one statement. */
export async function trainingTable(db: Pick<DataSource, 'query'>): Promise<TrainingTable> {
  const rows: Row[] = await db.query(TABLE_SQL, [MIN_GROUP_SIZE]);
  const counts = new Map<string, TrainingCounts>();
  const marginPersons = new Map<string, number>();
  const key = (office: string, year: string) => `${office}/${year}`;
  const cells = rows.filter((row) => row.kind === 'cell');
  for (const row of rows) {
    const office = row.provinceCode ?? TOTAL;
    const year = row.year === null ? TOTAL : String(row.year);
    if (row.kind !== 'cell') {
      marginPersons.set(key(office, year), row.persons);
      continue;
    }
    const { runs, participants, completed, enrolled, lessonHoursDelivered } = row;
    const own = { runs, participants, completed, enrolled, lessonHoursDelivered };
    for (const [o, y] of [
      [office, year],
      [office, TOTAL],
      [TOTAL, year],
      [TOTAL, TOTAL],
    ] as const) {
      counts.set(key(o, y), add(counts.get(key(o, y)) ?? NO_TRAINING, own));
    }
  }
  const protection = protectTable(
    {
      cells: cells.map((row) => ({
        row: row.provinceCode!,
        column: String(row.year),
        persons: row.persons,
        value: row.completed,
        // Only an enrolment that was not withdrawn may complete: participants bound it.
        bound: row.participants,
      })),
      marginPersons: (office, year) => marginPersons.get(key(office, year)),
    },
    MIN_GROUP_SIZE,
  );
  const keys = cells.map((row) => ({ provinceCode: row.provinceCode!, year: String(row.year) }));
  return {
    counts: (office, year) => counts.get(key(office, year)) ?? NO_TRAINING,
    parts: (office, year) =>
      keys.filter(
        (cell) =>
          (office === TOTAL || cell.provinceCode === office) &&
          (year === TOTAL || cell.year === year),
      ),
    protection,
  };
}
