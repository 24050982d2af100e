import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change versions by partition (docs/decisions/0022): `change_version` holds one version per
 * province (`province:32`) and one for all of them (`*`). Every transaction that changes an
 * office, a run, an enrolment, a booking or the training counts raises the versions of the
 * provinces it touched and `*`, whatever path the write takes. The trigger is deferred to the
 * commit: the version rows are locked for an instant, after every other lock the transaction
 * takes (no deadlock), and `*` first (one order for all).
 *
 * A version never goes back, even in a database created anew: it is at least the clock's
 * milliseconds, so a gateway that remembers an older database's versions serves none of its
 * answers. A bulk load (the seed) sets `coop.bulk_load` and raises every version once at its end.
 */
/** The tables whose rows belong to a province's partition. */
const TABLES = [
  'regional_office',
  'program_run',
  'enrolment',
  'facility_booking',
  'office_training_stats',
];

export class ChangeVersions1764500000000 implements MigrationInterface {
  name = 'ChangeVersions1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE bpsdm_regional.change_version (
        scope text PRIMARY KEY,
        version bigint NOT NULL
      )`);
    await db.query(`
      CREATE FUNCTION bpsdm_regional.raise_change_versions(scopes text[]) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO bpsdm_regional.change_version AS v (scope, version)
        SELECT scope, (extract(epoch FROM clock_timestamp()) * 1000)::bigint
          FROM unnest(scopes) WITH ORDINALITY AS s (scope, place) ORDER BY place
        ON CONFLICT (scope) DO UPDATE SET version = GREATEST(v.version + 1, EXCLUDED.version)
      $$`);
    await db.query(`
      CREATE FUNCTION bpsdm_regional.raise_all_change_versions() RETURNS void
      LANGUAGE sql AS $$
        SELECT bpsdm_regional.raise_change_versions(
          ARRAY['*'] || ARRAY(SELECT 'province:' || province_code
                                FROM bpsdm_regional.regional_office ORDER BY province_code))
      $$`);
    await db.query(`
      CREATE FUNCTION bpsdm_regional.note_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        changed jsonb[] := ARRAY[]::jsonb[];
        item jsonb;
        province text;
      BEGIN
        IF current_setting('coop.bulk_load', true) = 'on' THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN changed := changed || to_jsonb(OLD); END IF;
        IF TG_OP <> 'DELETE' THEN changed := changed || to_jsonb(NEW); END IF;
        FOREACH item IN ARRAY changed LOOP
          province := CASE TG_TABLE_NAME
            WHEN 'regional_office' THEN item ->> 'province_code'
            WHEN 'program_run' THEN (
              SELECT o.province_code FROM bpsdm_regional.regional_office o
               WHERE o.id = (item ->> 'office_id')::uuid)
            WHEN 'office_training_stats' THEN (
              SELECT o.province_code FROM bpsdm_regional.regional_office o
               WHERE o.id = (item ->> 'office_id')::uuid)
            ELSE (
              SELECT o.province_code FROM bpsdm_regional.program_run r
                JOIN bpsdm_regional.regional_office o ON o.id = r.office_id
               WHERE r.id = (item ->> 'run_id')::uuid)
          END;
          IF province IS NULL THEN
            -- A row whose province is gone: every partition may have read it.
            PERFORM bpsdm_regional.raise_all_change_versions();
          ELSE
            PERFORM bpsdm_regional.raise_change_versions(ARRAY['*', 'province:' || province]);
          END IF;
        END LOOP;
        RETURN NULL;
      END $$`);
    for (const table of TABLES) {
      await db.query(`
        CREATE CONSTRAINT TRIGGER ${table}_change_version
          AFTER INSERT OR UPDATE OR DELETE ON bpsdm_regional.${table}
          DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION bpsdm_regional.note_change()`);
    }
    await db.query(`SELECT bpsdm_regional.raise_all_change_versions()`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await db.query(`DROP TRIGGER ${table}_change_version ON bpsdm_regional.${table}`);
    }
    await db.query(`DROP FUNCTION bpsdm_regional.note_change()`);
    await db.query(`DROP FUNCTION bpsdm_regional.raise_all_change_versions()`);
    await db.query(`DROP FUNCTION bpsdm_regional.raise_change_versions(text[])`);
    await db.query(`DROP TABLE bpsdm_regional.change_version`);
  }
}
