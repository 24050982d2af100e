import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distinct persons per office and year beside the enrolment counts: disclosure control
 * decides by persons, not rows (decision 23). A person enrolled in five runs of one office and
 * year is one person. Kept by the same triggers, which now also recount when an enrolment's
 * librarian changes.
 */
export class TrainingPersons1764600000000 implements MigrationInterface {
  name = 'TrainingPersons1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE VIEW bpsdm_regional.office_training_counts AS
      SELECT r.office_id,
             extract(year FROM r.starts_on)::integer AS year,
             count(DISTINCT r.id)::integer AS runs,
             (count(e.id) FILTER (WHERE e.status <> 'WITHDRAWN'))::integer AS participants,
             (count(e.id) FILTER (WHERE e.status = 'COMPLETED'))::integer AS completed,
             count(e.id)::integer AS enrolled,
             coalesce(sum(e.lesson_hours_earned) FILTER (WHERE e.status <> 'WITHDRAWN'), 0)::bigint
               AS lesson_hours_delivered,
             count(DISTINCT e.librarian_id)::integer AS persons
        FROM bpsdm_regional.program_run r
        LEFT JOIN bpsdm_regional.enrolment e ON e.run_id = r.id
       WHERE r.status <> 'CANCELLED'
       GROUP BY r.office_id, extract(year FROM r.starts_on)::integer`);
    await db.query(`
      ALTER TABLE bpsdm_regional.office_training_stats
        ADD COLUMN persons integer NOT NULL DEFAULT 0`);
    await db.query(recountFunction(true));
    await db.query(enrolmentsUpdated('run_id, librarian_id, status, lesson_hours_earned'));
    await db.query(`
      UPDATE bpsdm_regional.office_training_stats s SET persons = v.persons
        FROM bpsdm_regional.office_training_counts v
       WHERE v.office_id = s.office_id AND v.year = s.year`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(enrolmentsUpdated('run_id, status, lesson_hours_earned'));
    await db.query(recountFunction(false));
    await db.query(`ALTER TABLE bpsdm_regional.office_training_stats DROP COLUMN persons`);
    await db.query(`DROP VIEW bpsdm_regional.office_training_counts`);
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
  }
}

/** The recount of the TrainingStats migration, with or without the persons. */
function recountFunction(withPersons: boolean): string {
  const persons = withPersons ? ', persons' : '';
  const summed = withPersons ? ', coalesce(sum(v.persons), 0)' : '';
  return `
    CREATE OR REPLACE FUNCTION bpsdm_regional.recount_office_training_stats(
      office_ids uuid[], years integer[])
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      key record;
    BEGIN
      IF coalesce(cardinality(office_ids), 0) = 0 THEN
        RETURN;
      END IF;
      INSERT INTO bpsdm_regional.office_training_stats AS s (office_id, year)
      SELECT DISTINCT k.office_id, k.year FROM unnest(office_ids, years) AS k (office_id, year)
       ORDER BY k.office_id, k.year
      ON CONFLICT (office_id, year) DO UPDATE SET runs = s.runs;
      FOR key IN SELECT DISTINCT k.office_id, k.year
                   FROM unnest(office_ids, years) AS k (office_id, year) LOOP
        UPDATE bpsdm_regional.office_training_stats s
           SET (runs, participants, completed, enrolled, lesson_hours_delivered${persons}) = (
                 SELECT coalesce(sum(v.runs), 0), coalesce(sum(v.participants), 0),
                        coalesce(sum(v.completed), 0), coalesce(sum(v.enrolled), 0),
                        coalesce(sum(v.lesson_hours_delivered), 0)${summed}
                   FROM bpsdm_regional.office_training_counts v
                  WHERE v.office_id = key.office_id AND v.year = key.year)
         WHERE s.office_id = key.office_id AND s.year = key.year;
      END LOOP;
      DELETE FROM bpsdm_regional.office_training_stats s
       USING unnest(office_ids, years) AS k (office_id, year)
       WHERE s.office_id = k.office_id AND s.year = k.year AND s.runs = 0;
    END $$`;
}

/** The enrolments' update trigger function, recounting when any of `columns` changed. */
function enrolmentsUpdated(columns: string): string {
  return `
    CREATE OR REPLACE FUNCTION bpsdm_regional.enrolments_updated_training_stats() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM bpsdm_regional.recount_training_stats_of_runs(ARRAY(
        SELECT DISTINCT run_id
          FROM ((SELECT ${columns} FROM old_rows EXCEPT ALL SELECT ${columns} FROM new_rows)
                UNION ALL
                (SELECT ${columns} FROM new_rows EXCEPT ALL SELECT ${columns} FROM old_rows))
               moved));
      RETURN NULL;
    END $$`;
}
