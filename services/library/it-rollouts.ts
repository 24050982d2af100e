import type { Page } from '@coop/common';
import type { DataSource } from 'typeorm';
import type { ItRollout } from './entities';

/** The filter of `ItInitiative.rollouts`. */
export interface RolloutFilter {
  provinceCode: string | null;
  status: string | null;
}

/** One initiative's page of rollouts: the loader key of `rolloutPages`. */
export type RolloutPageKey = RolloutFilter & Page & { initiativeCode: string };

const COLUMNS = `r.id, r.initiative_code AS "initiativeCode", r.province_code AS "provinceCode",
  r.status, r.libraries_using AS "librariesUsing", r.libraries_total AS "librariesTotal",
  r.has_forum AS "hasForum", r.since, r.version`;

/** `r.` conditions of a filter, with `$2`, `$3` for its values (`$1` is the initiatives). */
const FILTERED = `r.initiative_code = ANY($1)
  AND ($2::text IS NULL OR r.province_code = $2) AND ($3::text IS NULL OR r.status = $3)`;

/** Keys that differ only in their initiative share one statement. */
function byArguments<K extends { initiativeCode: string }>(keys: readonly K[]) {
  const groups = new Map<string, { sample: K; codes: string[] }>();
  for (const key of keys) {
    const { initiativeCode, ...rest } = key;
    const id = JSON.stringify(rest);
    const group = groups.get(id) ?? { sample: key, codes: [] };
    group.codes.push(initiativeCode);
    groups.set(id, group);
  }
  return [...groups.values()];
}

const keyOf = (code: string, key: object) => JSON.stringify([code, key]);

/**
 * Pages of rollouts of many initiatives, by province code: one statement per distinct filter
 * and page (a list of initiatives asks with one), numbering rows within each initiative. Each
 * page holds `limit + 1` rows so that `toConnection` can tell whether another follows.
 */
export async function rolloutPages(
  db: DataSource,
  keys: readonly RolloutPageKey[],
): Promise<ItRollout[][]> {
  const found = new Map<string, ItRollout[]>();
  for (const { sample, codes } of byArguments(keys)) {
    const rows: (ItRollout & { position: number })[] = await db.query(
      `SELECT * FROM (
         SELECT ${COLUMNS}, row_number() OVER (
                  PARTITION BY r.initiative_code ORDER BY r.province_code) AS position
           FROM library.it_rollout r WHERE ${FILTERED}) ranked
        WHERE position > $4 AND position <= $5 ORDER BY "initiativeCode", position`,
      [codes, sample.provinceCode, sample.status, sample.offset, sample.offset + sample.limit + 1],
    );
    const { initiativeCode: _code, ...rest } = sample;
    for (const { position: _position, ...row } of rows) {
      const key = keyOf(row.initiativeCode, rest);
      found.set(key, [...(found.get(key) ?? []), row]);
    }
  }
  return keys.map(({ initiativeCode, ...rest }) => found.get(keyOf(initiativeCode, rest)) ?? []);
}

/** How many rollouts of each initiative match a filter: one statement per distinct filter. */
export async function rolloutCounts(
  db: DataSource,
  keys: readonly (RolloutFilter & { initiativeCode: string })[],
): Promise<number[]> {
  const found = new Map<string, number>();
  for (const { sample, codes } of byArguments(keys)) {
    const rows: { initiativeCode: string; count: number }[] = await db.query(
      `SELECT r.initiative_code AS "initiativeCode", count(*) AS count
         FROM library.it_rollout r WHERE ${FILTERED} GROUP BY r.initiative_code`,
      [codes, sample.provinceCode, sample.status],
    );
    const { initiativeCode: _code, ...rest } = sample;
    for (const row of rows) found.set(keyOf(row.initiativeCode, rest), row.count);
  }
  return keys.map(({ initiativeCode, ...rest }) => found.get(keyOf(initiativeCode, rest)) ?? 0);
}
