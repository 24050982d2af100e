import { auditTablesSql } from '@coop/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What writes need: the audit trail and idempotency keys, facility bookings that the database
 * keeps from overlapping, and the counters that number completion certificates (*STTPP*).
 */
export class Writes1764100000000 implements MigrationInterface {
  name = 'Writes1764100000000';

  async up(db: QueryRunner): Promise<void> {
    for (const statement of auditTablesSql('bpsdm_regional')) await db.query(statement);

    // Equality on a uuid inside a GiST exclusion constraint needs btree_gist's operator classes.
    await db.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    // facility_id is a reference to the library subgraph: no foreign key. Days are stored as a
    // daterange ('[from, to]', kept by PostgreSQL as '[from, to + 1)'); the exclusion constraint
    // refuses a second booking of a facility for any overlapping day, however many requests race.
    await db.query(`
      CREATE TABLE bpsdm_regional.facility_booking (
        id uuid PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES bpsdm_regional.program_run (id),
        facility_id uuid NOT NULL,
        during daterange NOT NULL
          CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
        booked_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT facility_booking_no_overlap
          EXCLUDE USING gist (facility_id WITH =, during WITH &&)
      )`);
    await db.query(`
      CREATE INDEX facility_booking_run_idx
        ON bpsdm_regional.facility_booking (run_id, lower(during))`);

    // The last completion certificate number given per province and year: taking the next one
    // is one UPDATE ... RETURNING, which concurrent transactions queue on.
    await db.query(`
      CREATE TABLE bpsdm_regional.certificate_counter (
        province_code char(2) NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
        year integer NOT NULL,
        last integer NOT NULL CHECK (last > 0),
        PRIMARY KEY (province_code, year)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'certificate_counter',
      'facility_booking',
      'idempotency_key',
      'audit_record',
    ]) {
      await db.query(`DROP TABLE bpsdm_regional.${table}`);
    }
  }
}
