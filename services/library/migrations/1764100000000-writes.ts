import { auditTablesSql } from '@coop/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What writes need: the audit trail, idempotency keys, termination, certificate numbers. */
export class Writes1764100000000 implements MigrationInterface {
  name = 'Writes1764100000000';

  async up(db: QueryRunner): Promise<void> {
    for (const statement of auditTablesSql('library')) await db.query(statement);
    await db.query(`ALTER TABLE library.agreement
      ADD COLUMN terminated_on date,
      ADD COLUMN termination_reason text,
      ADD CONSTRAINT agreement_termination_check
        CHECK ((state = 'TERMINATED') = (terminated_on IS NOT NULL))`);
    await db.query(`
      CREATE TABLE library.certificate_sequence (
        year integer PRIMARY KEY,
        last integer NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE library.certificate_sequence`);
    await db.query(`ALTER TABLE library.agreement DROP CONSTRAINT agreement_termination_check,
      DROP COLUMN terminated_on, DROP COLUMN termination_reason`);
    await db.query(`DROP TABLE library.idempotency_key`);
    await db.query(`DROP TABLE library.audit_record`);
  }
}
