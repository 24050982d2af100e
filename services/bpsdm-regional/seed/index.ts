import { insertRows, type ScalePlan } from '@coop/common';
import type { DataSource } from 'typeorm';
import { ENROLMENT_COLUMNS, enrolmentRows } from './enrolments';
import { OFFICE_COLUMNS, officeRows } from './offices';
import { planRuns, RUN_COLUMNS, runRow } from './runs';

type Progress = (message: string) => void;

/**
 * Seeds the bpsdm_regional schema: the 38 offices, then generated runs and enrolments, built in
 * memory and written with multi-row inserts in one transaction. Idempotent: rows that exist are
 * left as they are.
 */
export async function seedBpsdmRegional(
  dataSource: DataSource,
  plan: ScalePlan,
  progress: Progress = () => undefined,
): Promise<void> {
  const runs = planRuns(plan);
  const enrolments = enrolmentRows(plan, runs);
  await dataSource.transaction(async (db) => {
    // One raise of every change version, below, not one per row at the commit (the migration).
    await db.query(`SET LOCAL coop.bulk_load = 'on'`);
    const offices = officeRows();
    await insertRows(db, 'bpsdm_regional.regional_office', OFFICE_COLUMNS, offices);
    progress(`bpsdm-regional: ${offices.length} regional offices`);

    await insertRows(db, 'bpsdm_regional.program_run', RUN_COLUMNS, runs.map(runRow));
    progress(`bpsdm-regional: ${runs.length} program runs`);

    // A run can be missing when a database seeded with another plan already holds its batch
    // number: its enrolments are left out rather than break the foreign key.
    const present: { id: string }[] = await db.query(
      `SELECT id FROM bpsdm_regional.program_run WHERE id = ANY($1)`,
      [runs.map((run) => run.id)],
    );
    const runIds = new Set(present.map((row) => row.id));
    const rows = enrolments.filter((row) => runIds.has(row[1] as string));
    await insertRows(db, 'bpsdm_regional.enrolment', ENROLMENT_COLUMNS, rows);
    progress(`bpsdm-regional: ${rows.length} enrolments`);
    await db.query(`SELECT bpsdm_regional.raise_all_change_versions()`);
  });
}
