import { auditTablesSql } from '@coop/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What writes need: the audit trail and idempotency keys. */
export class Writes1764100000000 implements MigrationInterface {
  name = 'Writes1764100000000';

  async up(db: QueryRunner): Promise<void> {
    for (const statement of auditTablesSql('bpsdm_central')) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE bpsdm_central.idempotency_key`);
    await db.query(`DROP TABLE bpsdm_central.audit_record`);
  }
}
