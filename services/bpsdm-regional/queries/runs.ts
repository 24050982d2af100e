import { isUuid, type Page } from '@coop/common';
import type { DataSource } from 'typeorm';
import type { ProgramRun, RunStatus } from '../entities';
import { countsPerParent, pagesPerParent, param } from './per-parent';

/** The columns of a program run (alias `r`), named as the entity's fields. */
export const RUN_COLUMNS = `r.id, r.office_id AS "officeId", r.program_id AS "programId", r.batch,
  r.starts_on AS "startsOn", r.ends_on AS "endsOn", r.quota, r.status,
  r.facility_id AS "facilityId", r.version`;

const RUNS = 'bpsdm_regional.program_run r';
const NEWEST_FIRST = 'r.starts_on DESC, r.id';

/** Every filter a list of runs can take; all given filters must hold. */
export interface RunFilter {
  provinceCode?: string | null;
  programId?: string | null;
  status?: RunStatus | null;
  startsAfter?: string | null;
  startsBefore?: string | null;
}

/**
 * SQL conditions over `r` for a filter, their values appended to `params`; null when no run can
 * match (an id that is not a UUID), so that nothing is sent to the database.
 */
export function runConditions(filter: RunFilter, params: unknown[]): string[] | null {
  const conditions: string[] = [];
  if (filter.programId != null) {
    if (!isUuid(filter.programId)) return null;
    conditions.push(`r.program_id = ${param(params, filter.programId)}`);
  }
  if (filter.provinceCode != null) {
    conditions.push(
      `r.office_id IN (SELECT o.id FROM bpsdm_regional.regional_office o
                        WHERE o.province_code = ${param(params, filter.provinceCode)})`,
    );
  }
  if (filter.status != null) conditions.push(`r.status = ${param(params, filter.status)}`);
  if (filter.startsAfter != null) {
    conditions.push(`r.starts_on >= ${param(params, filter.startsAfter)}`);
  }
  if (filter.startsBefore != null) {
    conditions.push(`r.starts_on <= ${param(params, filter.startsBefore)}`);
  }
  return conditions;
}

const where = (conditions: string[]) =>
  conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';

/** One page (`limit + 1` rows) of the runs matching a filter, latest start first. */
export async function runPage(
  db: DataSource,
  filter: RunFilter,
  page: Page,
): Promise<ProgramRun[]> {
  const params: unknown[] = [];
  const conditions = runConditions(filter, params);
  if (!conditions) return [];
  const limit = param(params, page.limit + 1);
  const offset = param(params, page.offset);
  return db.query(
    `SELECT ${RUN_COLUMNS} FROM ${RUNS} ${where(conditions)}
      ORDER BY ${NEWEST_FIRST} LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
}

export async function countRuns(db: DataSource, filter: RunFilter): Promise<number> {
  const params: unknown[] = [];
  const conditions = runConditions(filter, params);
  if (!conditions) return 0;
  const [row] = (await db.query(
    `SELECT count(*) AS count FROM ${RUNS} ${where(conditions)}`,
    params,
  )) as { count: number }[];
  return row?.count ?? 0;
}

/** Which column groups runs: the office holding them or the program they run. */
export type RunParent = 'office' | 'program';

const PARENT_COLUMN: Record<RunParent, string> = {
  office: 'r.office_id',
  program: 'r.program_id',
};

/** One page of runs for each office (or program), latest start first, in one statement. */
export function runPagesPerParent(
  db: DataSource,
  parent: RunParent,
  parentIds: readonly string[],
  filter: RunFilter,
  page: Page,
): Promise<Map<string, ProgramRun[]>> {
  const params: unknown[] = [];
  const conditions = runConditions(filter, params);
  if (!conditions) return Promise.resolve(new Map());
  return pagesPerParent<ProgramRun>(db, {
    from: RUNS,
    parentColumn: PARENT_COLUMN[parent],
    parentIds,
    conditions,
    params,
    columns: RUN_COLUMNS,
    orderBy: NEWEST_FIRST,
    page,
  });
}

/** How many runs match the filter for each office (or program), in one statement. */
export function runCountsPerParent(
  db: DataSource,
  parent: RunParent,
  parentIds: readonly string[],
  filter: RunFilter,
): Promise<Map<string, number>> {
  const params: unknown[] = [];
  const conditions = runConditions(filter, params);
  if (!conditions) return Promise.resolve(new Map());
  return countsPerParent(db, {
    from: RUNS,
    parentColumn: PARENT_COLUMN[parent],
    parentIds,
    conditions,
    params,
  });
}
