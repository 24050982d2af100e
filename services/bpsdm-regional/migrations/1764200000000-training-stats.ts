import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Training counts per office and year (of the runs' start), kept in a table by triggers in the
 * same transaction as every write to runs and enrolments, whatever path the write takes.
 *
 * A trigger does not add deltas: it locks the affected (office, year) rows, then recounts them
 * from the source rows in a new statement. Under READ COMMITTED that statement's snapshot sees
 * every transaction that held those rows before it committed, so two writers of one office and
 * year cannot lose each other's change. Statement-level triggers with transition tables make a
 * bulk insert (the seed) one recount per statement, not per row.
 */
export class TrainingStats1764200000000 implements MigrationInterface {
  name = 'TrainingStats1764200000000';

  async up(db: QueryRunner): Promise<void> {
    // The definition of the counts; the table below is this view, kept.
    await db.query(`
      CREATE VIEW bpsdm_regional.office_training_counts AS
      SELECT r.office_id,
             extract(year FROM r.starts_on)::integer AS year,
             count(DISTINCT r.id)::integer AS runs,
             (count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN'))::integer AS participants,
             (count(e.id) FILTER (WHERE e.status = 'COMPLETED'))::integer AS completed,
             count(e.id)::integer AS enrolled,
             coalesce(sum(e.lesson_hours_earned) FILTER (WHERE e.status <> 'WITHDRAWN'), 0)::bigint
               AS lesson_hours_delivered
        FROM bpsdm_regional.program_run r
        LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
       WHERE r.status <> 'CANCELLED'
       GROUP BY r.office_id, extract(year FROM r.starts_on)::integer`);

    await db.query(`
      CREATE TABLE bpsdm_regional.office_training_stats (
        office_id uuid NOT NULL REFERENCES bpsdm_regional.regional_office (id),
        year integer NOT NULL,
        runs integer NOT NULL DEFAULT 0,
        participants integer NOT NULL DEFAULT 0,
        completed integer NOT NULL DEFAULT 0,
        enrolled integer NOT NULL DEFAULT 0,
        lesson_hours_delivered bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (office_id, year)
      )`);

    await db.query(`
      CREATE FUNCTION bpsdm_regional.recount_office_training_stats(office_ids uuid[], years integer[])
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        key record;
      BEGIN
        IF coalesce(cardinality(office_ids), 0) = 0 THEN
          RETURN;
        END IF;
        -- Lock the rows first (creating missing ones), in key order so that two writers never
        -- wait for each other in a cycle.
        INSERT INTO bpsdm_regional.office_training_stats AS s (office_id, year)
        SELECT DISTINCT k.office_id, k.year FROM unnest(office_ids, years) AS k (office_id, year)
         ORDER BY k.office_id, k.year
        ON CONFLICT (office_id, year) DO UPDATE SET runs = s.runs;
        -- Each a new statement, so a new snapshot: it sees the commits of earlier holders of the
        -- rows. One key at a time: with the key as parameters the planner pushes it into the
        -- view's grouping (an index scan of the office's runs); joined, it counts every office.
        FOR key IN SELECT DISTINCT k.office_id, k.year
                     FROM unnest(office_ids, years) AS k (office_id, year) LOOP
          UPDATE bpsdm_regional.office_training_stats s
             SET (runs, participants, completed, enrolled, lesson_hours_delivered) = (
                   SELECT coalesce(sum(v.runs), 0), coalesce(sum(v.participants), 0),
                          coalesce(sum(v.completed), 0), coalesce(sum(v.enrolled), 0),
                          coalesce(sum(v.lesson_hours_delivered), 0)
                     FROM bpsdm_regional.office_training_counts v
                    WHERE v.office_id = key.office_id AND v.year = key.year)
           WHERE s.office_id = key.office_id AND s.year = key.year;
        END LOOP;
        -- An office and year without runs has no row, as in a recount.
        DELETE FROM bpsdm_regional.office_training_stats s
         USING unnest(office_ids, years) AS k (office_id, year)
         WHERE s.office_id = k.office_id AND s.year = k.year AND s.runs = 0;
      END $$`);

    await db.query(`
      CREATE FUNCTION bpsdm_regional.recount_training_stats_of_runs(run_ids uuid[])
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        office_ids uuid[];
        years integer[];
      BEGIN
        -- FOR SHARE: a run cannot move to another office, year or status between reading its
        -- key here and this transaction's end, so the key recounted is the run's key.
        SELECT array_agg(r.office_id), array_agg(extract(year FROM r.starts_on)::integer)
          INTO office_ids, years
          FROM (SELECT office_id, starts_on FROM bpsdm_regional.program_run
                 WHERE id = ANY(run_ids) ORDER BY id FOR SHARE) r;
        PERFORM bpsdm_regional.recount_office_training_stats(office_ids, years);
      END $$`);

    // Inserted or deleted runs (transition table "changed").
    await db.query(`
      CREATE FUNCTION bpsdm_regional.runs_changed_training_stats() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bpsdm_regional.recount_office_training_stats(
          array_agg(office_id), array_agg(extract(year FROM starts_on)::integer))
          FROM changed;
        RETURN NULL;
      END $$`);
    // Updated runs: the keys before and after of the runs whose office, start or status changed.
    await db.query(`
      CREATE FUNCTION bpsdm_regional.runs_updated_training_stats() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bpsdm_regional.recount_office_training_stats(
          array_agg(office_id), array_agg(extract(year FROM starts_on)::integer))
          FROM ((SELECT id, office_id, starts_on, status FROM old_rows
                 EXCEPT ALL SELECT id, office_id, starts_on, status FROM new_rows)
                UNION ALL
                (SELECT id, office_id, starts_on, status FROM new_rows
                 EXCEPT ALL SELECT id, office_id, starts_on, status FROM old_rows)) moved;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION bpsdm_regional.enrolments_changed_training_stats() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bpsdm_regional.recount_training_stats_of_runs(
          ARRAY(SELECT DISTINCT run_id FROM changed));
        RETURN NULL;
      END $$`);
    // Only what the counts read (run, status, lesson hours): a change of the enrolment date or
    // of the version alone locks nothing.
    await db.query(`
      CREATE FUNCTION bpsdm_regional.enrolments_updated_training_stats() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bpsdm_regional.recount_training_stats_of_runs(ARRAY(
          SELECT DISTINCT run_id
            FROM ((SELECT run_id, status, lesson_hours_earned FROM old_rows
                   EXCEPT ALL SELECT run_id, status, lesson_hours_earned FROM new_rows)
                  UNION ALL
                  (SELECT run_id, status, lesson_hours_earned FROM new_rows
                   EXCEPT ALL SELECT run_id, status, lesson_hours_earned FROM old_rows)) moved));
        RETURN NULL;
      END $$`);

    for (const [table, changed, updated] of [
      ['program_run', 'runs_changed_training_stats', 'runs_updated_training_stats'],
      ['enrolment', 'enrolments_changed_training_stats', 'enrolments_updated_training_stats'],
    ]) {
      await db.query(`
        CREATE TRIGGER ${table}_inserted_training_stats AFTER INSERT ON bpsdm_regional.${table}
          REFERENCING NEW TABLE AS changed
          FOR EACH STATEMENT EXECUTE FUNCTION bpsdm_regional.${changed}()`);
      await db.query(`
        CREATE TRIGGER ${table}_deleted_training_stats AFTER DELETE ON bpsdm_regional.${table}
          REFERENCING OLD TABLE AS changed
          FOR EACH STATEMENT EXECUTE FUNCTION bpsdm_regional.${changed}()`);
      await db.query(`
        CREATE TRIGGER ${table}_updated_training_stats AFTER UPDATE ON bpsdm_regional.${table}
          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION bpsdm_regional.${updated}()`);
    }

    await db.query(`
      INSERT INTO bpsdm_regional.office_training_stats
      SELECT * FROM bpsdm_regional.office_training_counts`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['program_run', 'enrolment']) {
      for (const event of ['inserted', 'deleted', 'updated']) {
        await db.query(`DROP TRIGGER ${table}_${event}_training_stats ON bpsdm_regional.${table}`);
      }
    }
    for (const fn of [
      'enrolments_updated_training_stats()',
      'enrolments_changed_training_stats()',
      'runs_updated_training_stats()',
      'runs_changed_training_stats()',
      'recount_training_stats_of_runs(uuid[])',
      'recount_office_training_stats(uuid[], integer[])',
    ]) {
      await db.query(`DROP FUNCTION bpsdm_regional.${fn}`);
    }
    await db.query(`DROP TABLE bpsdm_regional.office_training_stats`);
    await db.query(`DROP VIEW bpsdm_regional.office_training_counts`);
  }
}
