import type { MigrationInterface, QueryRunner } from 'typeorm';
import { disclosureTrailMigration } from '@coop/common';

/** The disclosure trail of this owner's personal fields, append-only (decision 29). */
export class DisclosureTrail1764921000000 implements MigrationInterface {
  name = 'DisclosureTrail1764921000000';

  async up(db: QueryRunner): Promise<void> {
    for (const statement of disclosureTrailMigration('bpsdm_central')) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE "bpsdm_central".disclosure');
    await db.query('DROP FUNCTION "bpsdm_central".disclosure_append_only()');
  }
}
