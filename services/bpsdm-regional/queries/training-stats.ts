import { MIN_GROUP_SIZE } from '@coop/common';
import type { DataSource } from 'typeorm';

/** Counts of the training an office delivered; the rate is derived from them. */
export interface TrainingCounts {
  runs: number;
  participants: number;
  completed: number;
  /** Every enrolment of those runs, withdrawn ones included: the base of the completion rate. */
  enrolled: number;
  lessonHoursDelivered: number;
  /** Years counted whose enrolments form a small group (decision 13): 0 or 1 for one year. */
  smallYears: number;
}

export const NO_TRAINING: TrainingCounts = {
  runs: 0,
  participants: 0,
  completed: 0,
  enrolled: 0,
  lessonHoursDelivered: 0,
  smallYears: 0,
};

/**
 * Training counts of each office for the runs that started in `year` (every year when null:
 * the sum of its years), read from the counts the database keeps current on every write
 * (`office_training_stats`, see the TrainingStats migration). Cancelled runs and withdrawn
 * enrolments do not count, except in `enrolled`. Offices without runs are missing from the map.
 */
export async function trainingCountsPerOffice(
  db: Pick<DataSource, 'query'>,
  officeIds: readonly string[],
  year: number | null,
): Promise<Map<string, TrainingCounts>> {
  const rows: (TrainingCounts & { officeId: string })[] = await db.query(
    `SELECT office_id AS "officeId", sum(runs) AS runs, sum(participants) AS participants,
            sum(completed) AS completed, sum(enrolled) AS enrolled,
            sum(lesson_hours_delivered) AS "lessonHoursDelivered",
            count(*) FILTER (WHERE enrolled > 0 AND enrolled < $3::integer)::integer AS "smallYears"
       FROM bpsdm_regional.office_training_stats
      WHERE office_id = ANY($1::uuid[]) AND ($2::integer IS NULL OR year = $2::integer)
      GROUP BY office_id`,
    [officeIds, year, MIN_GROUP_SIZE],
  );
  return new Map(rows.map(({ officeId, ...counts }) => [officeId, counts]));
}
