import type { DataSource } from 'typeorm';

/** Counts of the training an office delivered; the rate is derived from them. */
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

/**
 * Training counts of each office for the runs that started in `year` (every year when null),
 * aggregated by the database in one statement. Cancelled runs and withdrawn enrolments do not
 * count, except in `enrolled`. Offices without runs are missing from the map.
 */
export async function trainingCountsPerOffice(
  db: DataSource,
  officeIds: readonly string[],
  year: number | null,
): Promise<Map<string, TrainingCounts>> {
  const params: unknown[] = [officeIds];
  const inYear =
    year === null
      ? ''
      : `AND r.starts_on >= make_date($${params.push(year)}, 1, 1)
         AND r.starts_on < make_date($${params.length} + 1, 1, 1)`;
  const rows: (TrainingCounts & { officeId: string })[] = await db.query(
    `SELECT r.office_id AS "officeId",
            count(DISTINCT r.id) AS runs,
            count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN') AS participants,
            count(e.id) FILTER (WHERE e.status = 'COMPLETED') AS completed,
            count(e.id) AS enrolled,
            coalesce(sum(e.lesson_hours_earned) FILTER (WHERE e.status <> 'WITHDRAWN'), 0)
              AS "lessonHoursDelivered"
       FROM bpsdm_regional.program_run r
       LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
      WHERE r.office_id = ANY($1) AND r.status <> 'CANCELLED' ${inYear}
      GROUP BY r.office_id`,
    params,
  );
  return new Map(rows.map(({ officeId, ...counts }) => [officeId, counts]));
}
