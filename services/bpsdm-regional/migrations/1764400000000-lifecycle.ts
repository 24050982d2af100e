import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The training lifecycle (decision 14): an enrolment a completed run settled without a result
 * is NOT_COMPLETED, and only a COMPLETED enrolment has a result and a completion certificate
 * (*STTPP*) number, whatever path writes it.
 */
export class Lifecycle1764400000000 implements MigrationInterface {
  name = 'Lifecycle1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bpsdm_regional.enrolment DROP CONSTRAINT enrolment_status_check`);
    await db.query(`
      ALTER TABLE bpsdm_regional.enrolment ADD CONSTRAINT enrolment_status_check
        CHECK (status IN ('REGISTERED', 'ATTENDING', 'COMPLETED', 'NOT_COMPLETED', 'WITHDRAWN'))`);
    await db.query(`
      ALTER TABLE bpsdm_regional.enrolment ADD CONSTRAINT enrolment_result_only_when_completed
        CHECK (status = 'COMPLETED' OR (final_score IS NULL AND lesson_hours_earned IS NULL
                                        AND completion_certificate_number IS NULL))`);
    // Runs finished before the rule: their enrolments still in progress are settled as the
    // rule settles them now, each with an audit record naming this migration.
    await db.query(`
      WITH settled AS (
        SELECT e.id, e.status AS before,
               CASE r.status WHEN 'COMPLETED' THEN 'NOT_COMPLETED' ELSE 'WITHDRAWN' END AS after
          FROM bpsdm_regional.enrolment e
          JOIN bpsdm_regional.program_run r ON r.id = e.run_id
         WHERE r.status IN ('COMPLETED', 'CANCELLED')
           AND e.status IN ('REGISTERED', 'ATTENDING')),
      changed AS (
        UPDATE bpsdm_regional.enrolment e
           SET status = s.after, version = e.version + 1
          FROM settled s WHERE e.id = s.id
        RETURNING e.id)
      INSERT INTO bpsdm_regional.audit_record (actor, role, action, entity, entity_id, before, after)
      SELECT 'migration 1764400000000-lifecycle', NULL, 'settleRun', 'Enrolment', s.id::text,
             jsonb_build_object('status', s.before), jsonb_build_object('status', s.after)
        FROM settled s JOIN changed c ON c.id = s.id`);
  }

  async down(db: QueryRunner): Promise<void> {
    // The old statuses have no NOT_COMPLETED: such an enrolment was last ATTENDING.
    await db.query(
      `UPDATE bpsdm_regional.enrolment SET status = 'ATTENDING' WHERE status = 'NOT_COMPLETED'`,
    );
    await db.query(
      `ALTER TABLE bpsdm_regional.enrolment DROP CONSTRAINT enrolment_result_only_when_completed`,
    );
    await db.query(`ALTER TABLE bpsdm_regional.enrolment DROP CONSTRAINT enrolment_status_check`);
    await db.query(`
      ALTER TABLE bpsdm_regional.enrolment ADD CONSTRAINT enrolment_status_check
        CHECK (status IN ('REGISTERED', 'ATTENDING', 'COMPLETED', 'WITHDRAWN'))`);
  }
}
