import { differencesSql, type AggregateDifference, type Recount } from '@coop/common';

/** Each librarian's last certified day, as stored and as its certificates say. */
const CERTIFIED_UNTIL_DIFFERENCES = differencesSql({
  stored: `SELECT id, certified_until FROM library.librarian`,
  counted: `SELECT id, library.certified_until(id) AS certified_until FROM library.librarian`,
  keys: ['id'],
  values: ['certified_until'],
});

/** Counts per province and level from the librarians' rows, certified on the SQL date `day`. */
const countedStats = (day: string) => `
  SELECT l.province_code, l.level, count(*)::integer AS librarians,
         (count(*) FILTER (WHERE l.certified_until >= ${day}))::integer AS certified
    FROM library.librarian l
   GROUP BY l.province_code, l.level`;

const statsDifferences = (day: string) =>
  differencesSql({
    stored: `SELECT province_code, level, librarians, certified FROM library.librarian_stats`,
    counted: countedStats(day),
    keys: ['province_code', 'level'],
    values: ['librarians', 'certified'],
  });

/** The day on which the stored counts count the certified. */
const STORED_DAY = `(SELECT as_of FROM library.librarian_stats_as_of)`;

/**
 * Recounts in two layers, each against its own source: librarians' `certified_until` from
 * their certificates, then the counts per province and level from the librarians. A repair of
 * the first goes through the write path's own function (its triggers then correct the counts);
 * a repair of the second holds the stored day FOR UPDATE, which every writer of the counts
 * takes FOR SHARE first, so no write slips in between the recount and the rewrite. A repair
 * also moves the stored day to today, where reading costs least.
 */
export const recountLibrary: Recount = async (db, { repair, today }) => {
  const stale: AggregateDifference[] = await db.query(CERTIFIED_UNTIL_DIFFERENCES);
  if (repair && stale.length > 0) {
    await db.query(`SELECT library.refresh_certified_until($1::uuid[])`, [
      stale.map((difference) => difference.key.id),
    ]);
  }
  const certifiedUntil = {
    name: 'library.librarian.certified_until',
    differences: stale,
    repaired: repair && stale.length > 0,
  };
  if (!repair) {
    // One statement: the day and the counts come from one snapshot.
    const differences: AggregateDifference[] = await db.query(statsDifferences(STORED_DAY));
    return [certifiedUntil, { name: 'library.librarian_stats', differences, repaired: false }];
  }
  const stats = await db.transaction(async (manager) => {
    const [{ day }] = (await manager.query(
      `SELECT to_char(as_of, 'YYYY-MM-DD') AS day FROM library.librarian_stats_as_of FOR UPDATE`,
    )) as [{ day: string }];
    const differences: AggregateDifference[] = await manager.query(statsDifferences('$1::date'), [
      day,
    ]);
    if (differences.length > 0 || day !== today) {
      await manager.query(`DELETE FROM library.librarian_stats`);
      await manager.query(`INSERT INTO library.librarian_stats ${countedStats('$1::date')}`, [
        today,
      ]);
      await manager.query(`UPDATE library.librarian_stats_as_of SET as_of = $1::date`, [today]);
    }
    return { name: 'library.librarian_stats', differences, repaired: differences.length > 0 };
  });
  return [certifiedUntil, stats];
};
