import type { DataSource } from 'typeorm';

/**
 * Aggregates a service keeps in tables of its own, updated in the same transaction as every
 * write to the rows they count, so that reading them costs one cheap statement. Each can be
 * recounted from its source rows: `npm run recount` checks and repairs them, seeding recounts.
 */

/** A stored row that a recount from the source rows does not confirm. */
export interface AggregateDifference {
  /** The row's key, e.g. `{ office_id, year }`. */
  key: Record<string, unknown>;
  /** What the table holds; null when the row is missing. */
  stored: Record<string, unknown> | null;
  /** What the source rows say; null when the row should not exist. */
  counted: Record<string, unknown> | null;
}

/** The outcome of recounting one aggregate. */
export interface AggregateReport {
  /** What is kept, e.g. `bpsdm_regional.office_training_stats`. */
  name: string;
  differences: AggregateDifference[];
  /** True when the differences (if any) were repaired. */
  repaired: boolean;
}

/**
 * Recounts a service's aggregates: with `repair`, rewrites what differs (under locks that keep
 * writers from slipping in between); without, only reports.
 */
export type Recount = (
  db: DataSource,
  options: { repair: boolean; today: string },
) => Promise<AggregateReport[]>;

/** The two sides to compare: stored rows and the same rows recounted from the source rows. */
export interface AggregateShape {
  /** A SELECT of the key and value columns as stored. */
  stored: string;
  /** A SELECT of the same columns, counted from the source rows. */
  counted: string;
  keys: string[];
  values: string[];
}

const jsonOf = (alias: string, columns: string[]) =>
  `json_build_object(${columns.map((column) => `'${column}', ${alias}.${column}`).join(', ')})`;

/**
 * One statement (so one snapshot, in which every write has updated both sides or neither)
 * listing the rows where stored and counted differ, as `AggregateDifference`s.
 */
export function differencesSql({ stored, counted, keys, values }: AggregateShape): string {
  const [first] = keys;
  const sameKey = keys.map((key) => `s.${key} = c.${key}`).join(' AND ');
  const tuple = (alias: string) => `(${values.map((value) => `${alias}.${value}`).join(', ')})`;
  const key = `json_build_object(${keys
    .map((column) => `'${column}', coalesce(s.${column}, c.${column})`)
    .join(', ')})`;
  return `WITH stored AS (${stored}), counted AS (${counted})
    SELECT ${key} AS key,
           CASE WHEN s.${first} IS NULL THEN NULL ELSE ${jsonOf('s', values)} END AS stored,
           CASE WHEN c.${first} IS NULL THEN NULL ELSE ${jsonOf('c', values)} END AS counted
      FROM stored s FULL JOIN counted c ON ${sameKey}
     WHERE s.${first} IS NULL OR c.${first} IS NULL OR ${tuple('s')} IS DISTINCT FROM ${tuple('c')}
     ORDER BY ${keys.map((column) => `coalesce(s.${column}, c.${column})`).join(', ')}`;
}

const show = (row: Record<string, unknown> | null) =>
  row === null
    ? '(none)'
    : Object.entries(row)
        .map(([name, value]) => `${name}=${String(value)}`)
        .join(' ');

/**
 * What `npm run recount` prints, a line per aggregate and per difference, and its exit code:
 * 1 when `--check` (no repair) found a difference, else 0.
 */
export function recountSummary(
  reports: AggregateReport[],
  repair: boolean,
): { lines: string[]; exitCode: 0 | 1 } {
  const lines = reports.flatMap(({ name, differences, repaired }) => [
    differences.length === 0
      ? `${name}: matches a recount from the source rows`
      : `${name}: ${differences.length} row(s) differ from a recount${repaired ? ', repaired' : ''}`,
    ...differences.map(
      ({ key, stored, counted }) =>
        `  ${show(key)}: stored ${show(stored)}; counted ${show(counted)}`,
    ),
  ]);
  const differ = reports.some((report) => report.differences.length > 0);
  if (differ && !repair) lines.push('differences found: `npm run recount` repairs them');
  return { lines, exitCode: differ && !repair ? 1 : 0 };
}
