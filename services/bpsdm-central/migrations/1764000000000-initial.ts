import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE bpsdm_central.training_program (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE,
        title text NOT NULL CHECK (title <> ''),
        description text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('COMPETENCY_DEVELOPMENT', 'FACILITIES',
          'COMPETENCY_CERTIFICATION', 'INFORMATION_TECHNOLOGY')),
        mode text NOT NULL CHECK (mode IN ('CLASSROOM', 'ONLINE', 'BLENDED')),
        lesson_hours integer NOT NULL CHECK (lesson_hours > 0),
        target_level text CHECK (target_level IN ('TERAMPIL', 'MAHIR', 'PENYELIA',
          'AHLI_PERTAMA', 'AHLI_MUDA', 'AHLI_MADYA', 'AHLI_UTAMA')),
        agreement_id uuid,
        version integer NOT NULL DEFAULT 1
      )`);
    await db.query(
      `CREATE INDEX training_program_agreement_idx ON bpsdm_central.training_program (agreement_id)`,
    );
    await db.query(
      `CREATE INDEX training_program_scope_mode_idx ON bpsdm_central.training_program (scope, mode)`,
    );
    await db.query(
      `CREATE INDEX training_program_title_idx ON bpsdm_central.training_program (title, id)`,
    );
    await db.query(`
      CREATE TABLE bpsdm_central.program_module (
        id uuid PRIMARY KEY,
        program_id uuid NOT NULL REFERENCES bpsdm_central.training_program (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position > 0),
        title text NOT NULL,
        lesson_hours integer NOT NULL CHECK (lesson_hours > 0),
        UNIQUE (program_id, position)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE bpsdm_central.program_module`);
    await db.query(`DROP TABLE bpsdm_central.training_program`);
  }
}
