import type { Page } from '@coop/common';
import type { DataSource } from 'typeorm';
import type { Enrolment } from '../entities';
import { pagesPerParent } from './per-parent';

/** The columns of an enrolment (alias `e`), named as the entity's fields. */
export const ENROLMENT_COLUMNS = `e.id, e.run_id AS "runId", e.librarian_id AS "librarianId",
  e.status, e.final_score AS "finalScore", e.lesson_hours_earned AS "lessonHoursEarned",
  e.completion_certificate_number AS "completionCertificateNumber",
  e.enrolled_on AS "enrolledOn", e.version`;

const ENROLMENTS = 'bpsdm_regional.enrolment e';

/** One page of enrolments for each run, by enrolment date, in one statement. */
export function enrolmentPagesPerRun(
  db: DataSource,
  runIds: readonly string[],
  page: Page,
): Promise<Map<string, Enrolment[]>> {
  return pagesPerParent<Enrolment>(db, {
    from: ENROLMENTS,
    parentColumn: 'e.run_id',
    parentIds: runIds,
    conditions: [],
    params: [],
    columns: ENROLMENT_COLUMNS,
    orderBy: 'e.enrolled_on, e.id',
    page,
  });
}

export interface EnrolmentCounts {
  runId: string;
  /** Every enrolment of the run. */
  all: number;
  /** Enrolments not withdrawn. */
  active: number;
}

/** Enrolment counts of each run, in one statement. */
export async function enrolmentCountsPerRun(
  db: DataSource,
  runIds: readonly string[],
): Promise<Map<string, EnrolmentCounts>> {
  const rows: EnrolmentCounts[] = await db.query(
    `SELECT e.run_id AS "runId", count(*) AS "all",
            count(*) FILTER (WHERE e.status <> 'WITHDRAWN') AS active
       FROM ${ENROLMENTS}
      WHERE e.run_id = ANY($1)
      GROUP BY e.run_id`,
    [runIds],
  );
  return new Map(rows.map((row) => [row.runId, row]));
}

/** The enrolments of several librarians, latest first. */
export function enrolmentsOfLibrarians(
  db: DataSource,
  librarianIds: readonly string[],
): Promise<Enrolment[]> {
  return db.query(
    `SELECT ${ENROLMENT_COLUMNS} FROM ${ENROLMENTS}
      WHERE e.librarian_id = ANY($1)
      ORDER BY e.enrolled_on DESC, e.id`,
    [librarianIds],
  );
}

/**
 * Lesson hours each librarian earned in completed enrolments whose run ended in `year` (every
 * year when null), in one statement. Librarians with none are missing from the map.
 */
export async function lessonHoursCompleted(
  db: DataSource,
  librarianIds: readonly string[],
  year: number | null,
): Promise<Map<string, number>> {
  const params: unknown[] = [librarianIds];
  // A range over the column, not extract(year) = $n: the planner estimates it from the
  // column's statistics (for an expression it guesses one row in 200).
  const inYear =
    year === null
      ? ''
      : `AND r.ends_on >= make_date($${params.push(year)}::integer, 1, 1)
         AND r.ends_on < make_date($${params.length}::integer + 1, 1, 1)`;
  const rows: { librarianId: string; hours: number }[] = await db.query(
    `SELECT e.librarian_id AS "librarianId", coalesce(sum(e.lesson_hours_earned), 0) AS hours
       FROM ${ENROLMENTS}
       JOIN bpsdm_regional.program_run r ON r.id = e.run_id
      WHERE e.librarian_id = ANY($1) AND e.status = 'COMPLETED' ${inYear}
      GROUP BY e.librarian_id`,
    params,
  );
  return new Map(rows.map((row) => [row.librarianId, row.hours]));
}
