import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A program of scope INFORMATION_TECHNOLOGY may name the IT initiative it teaches: a code of
 * the library subgraph's ItInitiative, a reference and not a foreign key (decision 15).
 */
export class ProgramInitiative1764412000000 implements MigrationInterface {
  name = 'ProgramInitiative1764412000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bpsdm_central.training_program
      ADD COLUMN initiative_code text,
      ADD CONSTRAINT training_program_initiative_scope_check
        CHECK (initiative_code IS NULL OR scope = 'INFORMATION_TECHNOLOGY')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bpsdm_central.training_program
      DROP CONSTRAINT training_program_initiative_scope_check, DROP COLUMN initiative_code`);
  }
}
