import { MIN_GROUP_SIZE, protectTable, type Protection } from '@coop/common';
import type { DataSource } from 'typeorm';

export interface LevelStats {
  level: string;
  librarians: number;
  certified: number;
}

export interface LibrarianStats {
  provinceCode: string;
  librarians: number;
  certified: number;
  byLevel: LevelStats[];
}

/**
 * The day on which the stored counts count the certified: a scalar subquery, so the planner
 * costs the one-row table as one value (joined as a table of unknown size, the estimate grew
 * past jit_above_cost and every call was JIT-compiled).
 */
const STORED_DAY = 'SELECT as_of FROM library.librarian_stats_as_of';

/**
 * Librarian counts per province and level, and how many of them hold a certificate valid on
 * `day`, in one statement over the counts the database keeps (see the LibrarianStats
 * migration). They are stored as of one day; for another, the librarians whose last certified
 * day lies between the two are added (asked before) or taken away (asked after), which is
 * exact for any day and costs nothing when `day` is the stored one.
 */
export async function librarianStatsOn(
  db: Pick<DataSource, 'query'>,
  provinceCodes: readonly string[] | null,
  day: string,
): Promise<LibrarianStats[]> {
  const rows: { provinceCode: string; level: string; librarians: number; certified: number }[] =
    await db.query(
      `SELECT s.province_code AS "provinceCode", s.level, s.librarians,
              s.certified + coalesce(lapsed.change, 0) AS certified
         FROM library.librarian_stats s
         LEFT JOIN (
              SELECT l.province_code, l.level,
                     sum(CASE WHEN l.certified_until < (${STORED_DAY}) THEN 1 ELSE -1 END) AS change
                FROM library.librarian l
               WHERE l.certified_until >= least($2::date, (${STORED_DAY}))
                 AND l.certified_until < greatest($2::date, (${STORED_DAY}))
               GROUP BY l.province_code, l.level
              ) lapsed ON lapsed.province_code = s.province_code AND lapsed.level = s.level
        WHERE $1::bpchar[] IS NULL OR s.province_code = ANY($1::bpchar[])
        ORDER BY s.province_code, s.level`,
      [provinceCodes, day],
    );
  const codes = provinceCodes ?? [...new Set(rows.map((row) => row.provinceCode))];
  return codes.map((provinceCode): LibrarianStats => {
    const byLevel = rows
      .filter((row) => row.provinceCode === provinceCode)
      .map(({ level, librarians, certified }) => ({ level, librarians, certified }));
    return {
      provinceCode,
      librarians: byLevel.reduce((sum, row) => sum + row.librarians, 0),
      certified: byLevel.reduce((sum, row) => sum + row.certified, 0),
      byLevel,
    };
  });
}

/** Every province's counts on one day, and what disclosure control withholds of them. */
export interface LibrarianTable {
  provinces: Map<string, LibrarianStats>;
  national: LibrarianStats;
  protection: Protection;
}

/**
 * The whole table in the statement that reads one province's: which figures are withheld
 * depends on every province (decision 23), so every answer reads them all (38 × 7 rows).
 */
export async function librarianTableOn(
  db: Pick<DataSource, 'query'>,
  day: string,
): Promise<LibrarianTable> {
  const all = await librarianStatsOn(db, null, day);
  const levels = new Map<string, LevelStats>();
  for (const level of all.flatMap((province) => province.byLevel)) {
    const sum = levels.get(level.level) ?? { level: level.level, librarians: 0, certified: 0 };
    sum.librarians += level.librarians;
    sum.certified += level.certified;
    levels.set(level.level, sum);
  }
  const byLevel = [...levels.values()].sort((a, b) => (a.level < b.level ? -1 : 1));
  const protection = protectTable(
    {
      // One librarian is in one province and level: persons, bound and group are the same.
      cells: all.flatMap((province) =>
        province.byLevel.map((level) => ({
          row: province.provinceCode,
          column: level.level,
          persons: level.librarians,
          value: level.certified,
          bound: level.librarians,
        })),
      ),
    },
    MIN_GROUP_SIZE,
  );
  return {
    provinces: new Map(all.map((province) => [province.provinceCode, province])),
    national: {
      provinceCode: '',
      librarians: byLevel.reduce((sum, row) => sum + row.librarians, 0),
      certified: byLevel.reduce((sum, row) => sum + row.certified, 0),
      byLevel,
    },
    protection,
  };
}
