import type { Page } from '@coop/common';
import type { DataSource } from 'typeorm';

/** A list query over one table, cut into one list per parent row. */
export interface PerParentQuery {
  /** Table and alias, e.g. `bpsdm_regional.program_run r`. */
  from: string;
  /** Column holding the parent's id, e.g. `r.office_id`. */
  parentColumn: string;
  parentIds: readonly string[];
  /** Further conditions, all of which must hold. */
  conditions: string[];
  /** Values of the `$n` parameters used in `conditions`, from `$1`. */
  params: unknown[];
}

/** Adds a value to a parameter list and returns its placeholder (`$n`). */
export function param(params: unknown[], value: unknown): string {
  return `$${params.push(value)}`;
}

function whereClause(query: PerParentQuery, params: unknown[]): string {
  const parents = param(params, query.parentIds);
  return [`${query.parentColumn} = ANY(${parents})`, ...query.conditions].join(' AND ');
}

/**
 * One page of rows for each parent, in one statement: rows are numbered within their parent by
 * `orderBy`, and the numbers cut out the page. Fetches `limit + 1` rows per parent so that
 * `toConnection` can tell whether a next page exists.
 */
export async function pagesPerParent<R>(
  db: DataSource,
  query: PerParentQuery & { columns: string; orderBy: string; page: Page },
): Promise<Map<string, R[]>> {
  const params = [...query.params];
  const where = whereClause(query, params);
  const from = param(params, query.page.offset);
  const to = param(params, query.page.offset + query.page.limit + 1);
  const rows: (R & { parent_id: string; position: number })[] = await db.query(
    `SELECT * FROM (
       SELECT ${query.columns}, ${query.parentColumn} AS parent_id,
              row_number() OVER (PARTITION BY ${query.parentColumn} ORDER BY ${query.orderBy})
                AS position
         FROM ${query.from}
        WHERE ${where}
     ) ranked
     WHERE position > ${from} AND position <= ${to}
     ORDER BY parent_id, position`,
    params,
  );
  const pages = new Map<string, R[]>();
  for (const { parent_id: parentId, position: _position, ...row } of rows) {
    const page = pages.get(parentId) ?? [];
    page.push(row as unknown as R);
    pages.set(parentId, page);
  }
  return pages;
}

/** How many rows each parent has (parents without rows are missing from the map). */
export async function countsPerParent(
  db: DataSource,
  query: PerParentQuery,
): Promise<Map<string, number>> {
  const params = [...query.params];
  const rows: { parentId: string; count: number }[] = await db.query(
    `SELECT ${query.parentColumn} AS "parentId", count(*) AS count
       FROM ${query.from}
      WHERE ${whereClause(query, params)}
      GROUP BY ${query.parentColumn}`,
    params,
  );
  return new Map(rows.map((row) => [row.parentId, row.count]));
}
