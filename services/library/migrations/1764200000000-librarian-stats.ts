import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Librarian counts per province and level, and how many are certified, kept by triggers in the
 * same transaction as every write to librarians and certifications.
 *
 * Whether a librarian is certified depends on the day asked about, and certificates lapse
 * without any write. So each librarian carries `certified_until`, the last day on which one of
 * its certificates is valid (a function of its certificates alone, never of today), and each
 * (province, level) keeps its count of librarians certified on one stored day, `as_of`. For any
 * other day D the count follows exactly from the librarians whose `certified_until` lies
 * between the two days, found by a range scan of a small index (none when D is `as_of`).
 */
export class LibrarianStats1764200000000 implements MigrationInterface {
  name = 'LibrarianStats1764200000000';

  async up(db: QueryRunner): Promise<void> {
    // A certificate is valid on D when COMPETENT, D <= expires_on and (not revoked or D <
    // revoked_on): so up to least(expires_on, revoked_on - 1) (least ignores a null).
    await db.query(`
      CREATE FUNCTION library.certified_until(librarian_id uuid) RETURNS date
      LANGUAGE sql STABLE AS $$
        SELECT max(least(c.expires_on, c.revoked_on - 1))
          FROM library.certification c
         WHERE c.librarian_id = certified_until.librarian_id AND c.result = 'COMPETENT'
      $$`);
    await db.query(`ALTER TABLE library.librarian ADD COLUMN certified_until date`);
    await db.query(`UPDATE library.librarian SET certified_until = library.certified_until(id)`);
    // Covers the read's range scan: librarians whose certification ends between two days.
    await db.query(`
      CREATE INDEX librarian_certified_until_idx
        ON library.librarian (certified_until) INCLUDE (province_code, level)`);

    await db.query(`
      CREATE TABLE library.librarian_stats_as_of (
        single boolean PRIMARY KEY DEFAULT true CHECK (single),
        as_of date NOT NULL
      )`);
    await db.query(`
      INSERT INTO library.librarian_stats_as_of (as_of)
      VALUES ((now() AT TIME ZONE 'Asia/Jakarta')::date)`);
    await db.query(`
      CREATE TABLE library.librarian_stats (
        province_code char(2) NOT NULL,
        level text NOT NULL,
        librarians integer NOT NULL,
        -- of them, certified on librarian_stats_as_of.as_of
        certified integer NOT NULL,
        PRIMARY KEY (province_code, level)
      )`);
    await db.query(`
      INSERT INTO library.librarian_stats
      SELECT l.province_code, l.level, count(*),
             count(*) FILTER (WHERE l.certified_until >= a.as_of)
        FROM library.librarian l CROSS JOIN library.librarian_stats_as_of a
       GROUP BY l.province_code, l.level`);

    // Recomputes certified_until of some librarians: locks them first, then reads their
    // certificates in a new statement, whose snapshot sees what earlier holders committed.
    await db.query(`
      CREATE FUNCTION library.refresh_certified_until(librarian_ids uuid[])
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(cardinality(librarian_ids), 0) = 0 THEN
          RETURN;
        END IF;
        PERFORM 1 FROM library.librarian
          WHERE id = ANY(librarian_ids) ORDER BY id FOR NO KEY UPDATE;
        UPDATE library.librarian l SET certified_until = u.certified_until
          FROM (SELECT id, library.certified_until(id) AS certified_until
                  FROM library.librarian WHERE id = ANY(librarian_ids)) u
         WHERE l.id = u.id AND l.certified_until IS DISTINCT FROM u.certified_until;
      END $$`);

    // Adds signed counts of librarians (+1 arrived, -1 left) to their (province, level) rows.
    // Increments are safe under concurrency: ON CONFLICT DO UPDATE adds to the latest row.
    // The stored day is read FOR SHARE: a recount that moves it waits for this transaction (and
    // this one for it), so "certified" is always counted against the day the rows hold.
    await db.query(`
      CREATE FUNCTION library.add_to_librarian_stats(
        province_codes bpchar[], levels text[], certified_untils date[], deltas integer[])
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        stats_day date;
      BEGIN
        IF coalesce(cardinality(deltas), 0) = 0 THEN
          RETURN;
        END IF;
        SELECT a.as_of INTO stats_day FROM library.librarian_stats_as_of a FOR SHARE;
        INSERT INTO library.librarian_stats AS s (province_code, level, librarians, certified)
        SELECT d.province_code, d.level, sum(d.delta),
               coalesce(sum(d.delta) FILTER (WHERE d.certified_until >= stats_day), 0)
          FROM unnest(province_codes, levels, certified_untils, deltas)
                 AS d (province_code, level, certified_until, delta)
         GROUP BY d.province_code, d.level
        HAVING sum(d.delta) <> 0
            OR coalesce(sum(d.delta) FILTER (WHERE d.certified_until >= stats_day), 0) <> 0
         ORDER BY d.province_code, d.level
        ON CONFLICT (province_code, level) DO UPDATE
           SET librarians = s.librarians + excluded.librarians,
               certified = s.certified + excluded.certified;
        DELETE FROM library.librarian_stats s
         USING unnest(province_codes, levels) AS d (province_code, level)
         WHERE s.province_code = d.province_code AND s.level = d.level AND s.librarians = 0;
      END $$`);

    // Inserted (+1) or deleted (-1) librarians (transition table "changed").
    await db.query(`
      CREATE FUNCTION library.librarians_changed_stats() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM library.add_to_librarian_stats(
          array_agg(province_code), array_agg(level), array_agg(certified_until),
          array_agg(CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END))
          FROM changed;
        RETURN NULL;
      END $$`);
    // Updated librarians: -1 as they were, +1 as they are; unchanged groups cancel out.
    await db.query(`
      CREATE FUNCTION library.librarians_updated_stats() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM library.add_to_librarian_stats(
          array_agg(province_code), array_agg(level), array_agg(certified_until), array_agg(delta))
          FROM (SELECT province_code, level, certified_until, 1 AS delta FROM new_rows
                UNION ALL
                SELECT province_code, level, certified_until, -1 FROM old_rows) moved;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION library.certifications_changed_stats() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM library.refresh_certified_until(ARRAY(SELECT DISTINCT librarian_id FROM changed));
        RETURN NULL;
      END $$`);
    // Only what certified_until reads: recording a revocation reason alone locks nothing.
    await db.query(`
      CREATE FUNCTION library.certifications_updated_stats() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM library.refresh_certified_until(ARRAY(
          SELECT DISTINCT librarian_id
            FROM ((SELECT librarian_id, result, expires_on, revoked_on FROM old_rows
                   EXCEPT ALL SELECT librarian_id, result, expires_on, revoked_on FROM new_rows)
                  UNION ALL
                  (SELECT librarian_id, result, expires_on, revoked_on FROM new_rows
                   EXCEPT ALL SELECT librarian_id, result, expires_on, revoked_on FROM old_rows))
                 moved));
        RETURN NULL;
      END $$`);

    for (const [table, changed, updated] of [
      ['librarian', 'librarians_changed_stats', 'librarians_updated_stats'],
      ['certification', 'certifications_changed_stats', 'certifications_updated_stats'],
    ]) {
      await db.query(`
        CREATE TRIGGER ${table}_inserted_stats AFTER INSERT ON library.${table}
          REFERENCING NEW TABLE AS changed
          FOR EACH STATEMENT EXECUTE FUNCTION library.${changed}()`);
      await db.query(`
        CREATE TRIGGER ${table}_deleted_stats AFTER DELETE ON library.${table}
          REFERENCING OLD TABLE AS changed
          FOR EACH STATEMENT EXECUTE FUNCTION library.${changed}()`);
      await db.query(`
        CREATE TRIGGER ${table}_updated_stats AFTER UPDATE ON library.${table}
          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION library.${updated}()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['librarian', 'certification']) {
      for (const event of ['inserted', 'deleted', 'updated']) {
        await db.query(`DROP TRIGGER ${table}_${event}_stats ON library.${table}`);
      }
    }
    for (const fn of [
      'certifications_updated_stats()',
      'certifications_changed_stats()',
      'librarians_updated_stats()',
      'librarians_changed_stats()',
      'add_to_librarian_stats(bpchar[], text[], date[], integer[])',
      'refresh_certified_until(uuid[])',
    ]) {
      await db.query(`DROP FUNCTION library.${fn}`);
    }
    await db.query(`DROP TABLE library.librarian_stats`);
    await db.query(`DROP TABLE library.librarian_stats_as_of`);
    await db.query(`DROP INDEX library.librarian_certified_until_idx`);
    await db.query(`ALTER TABLE library.librarian DROP COLUMN certified_until`);
    await db.query(`DROP FUNCTION library.certified_until(uuid)`);
  }
}
