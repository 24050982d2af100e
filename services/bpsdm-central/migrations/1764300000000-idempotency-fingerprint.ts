import { idempotencyFingerprintDownSql, idempotencyFingerprintSql } from '@coop/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys bound to the input they were first sent with (decision 6): a reuse with
 * another input is refused. Keys are owned by subject, role and province from now on.
 */
export class IdempotencyFingerprint1764300000000 implements MigrationInterface {
  name = 'IdempotencyFingerprint1764300000000';

  async up(db: QueryRunner): Promise<void> {
    for (const statement of idempotencyFingerprintSql('bpsdm_central')) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const statement of idempotencyFingerprintDownSql('bpsdm_central'))
      await db.query(statement);
  }
}
