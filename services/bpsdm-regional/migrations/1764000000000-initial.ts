import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE bpsdm_regional.regional_office (
        id uuid PRIMARY KEY,
        province_code char(2) NOT NULL UNIQUE CHECK (province_code ~ '^[0-9]{2}$'),
        province_name text NOT NULL,
        name text NOT NULL CHECK (name <> ''),
        city text NOT NULL
      )`);

    // program_id (bpsdm-central) and facility_id (library) are references to data owned by
    // other subgraphs: no foreign keys, no cross-schema SQL.
    await db.query(`
      CREATE TABLE bpsdm_regional.program_run (
        id uuid PRIMARY KEY,
        office_id uuid NOT NULL REFERENCES bpsdm_regional.regional_office (id),
        program_id uuid NOT NULL,
        batch integer NOT NULL CHECK (batch > 0),
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        quota integer NOT NULL CHECK (quota > 0),
        status text NOT NULL
          CHECK (status IN ('PLANNED', 'OPEN', 'ONGOING', 'COMPLETED', 'CANCELLED')),
        facility_id uuid,
        version integer NOT NULL DEFAULT 1,
        CHECK (ends_on >= starts_on),
        UNIQUE (office_id, program_id, batch)
      )`);
    await db.query(`
      CREATE INDEX program_run_office_starts_idx
        ON bpsdm_regional.program_run (office_id, starts_on DESC, id)`);
    await db.query(`
      CREATE INDEX program_run_program_starts_idx
        ON bpsdm_regional.program_run (program_id, starts_on DESC, id)`);
    await db.query(`CREATE INDEX program_run_status_idx ON bpsdm_regional.program_run (status)`);
    await db.query(
      `CREATE INDEX program_run_starts_idx ON bpsdm_regional.program_run (starts_on DESC, id)`,
    );
    await db.query(
      `CREATE INDEX program_run_facility_idx ON bpsdm_regional.program_run (facility_id)`,
    );

    // librarian_id is a reference to the library subgraph: no foreign key.
    await db.query(`
      CREATE TABLE bpsdm_regional.enrolment (
        id uuid PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES bpsdm_regional.program_run (id),
        librarian_id uuid NOT NULL,
        status text NOT NULL
          CHECK (status IN ('REGISTERED', 'ATTENDING', 'COMPLETED', 'WITHDRAWN')),
        final_score numeric(5, 2) CHECK (final_score BETWEEN 0 AND 100),
        lesson_hours_earned integer CHECK (lesson_hours_earned >= 0),
        completion_certificate_number text UNIQUE,
        enrolled_on date NOT NULL,
        version integer NOT NULL DEFAULT 1,
        UNIQUE (run_id, librarian_id)
      )`);
    await db.query(`
      CREATE INDEX enrolment_run_enrolled_idx
        ON bpsdm_regional.enrolment (run_id, enrolled_on, id)`);
    await db.query(
      `CREATE INDEX enrolment_librarian_idx ON bpsdm_regional.enrolment (librarian_id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['enrolment', 'program_run', 'regional_office']) {
      await db.query(`DROP TABLE bpsdm_regional.${table}`);
    }
  }
}
