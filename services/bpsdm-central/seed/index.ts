import {
  allPrograms,
  insertRows,
  lessonHoursOf,
  programAgreementId,
  programId,
  programInitiativeCode,
  stableId,
  type ScalePlan,
} from '@coop/common';
import type { DataSource } from 'typeorm';

/**
 * Seeds the national catalogue: the real program kinds, then generated ones, each linked to
 * the PKS it implements and, for IT programs, to the IT initiative it teaches. Idempotent: rows that exist are left as they are.
 */
export async function seedBpsdmCentral(
  dataSource: DataSource,
  plan: ScalePlan,
  progress: (message: string) => void = () => undefined,
): Promise<void> {
  const programs = allPrograms(plan);
  await dataSource.transaction(async (db) => {
    await insertRows(
      db,
      'bpsdm_central.training_program',
      [
        'id',
        'code',
        'title',
        'description',
        'scope',
        'mode',
        'lesson_hours',
        'target_level',
        'agreement_id',
        'initiative_code',
      ],
      programs.map((p, index) => [
        programId(p.code),
        p.code,
        p.title,
        p.description,
        p.scope,
        p.mode,
        lessonHoursOf(p),
        p.targetLevel,
        programAgreementId(index),
        programInitiativeCode(p),
      ]),
    );
    // A program seeded before initiatives existed, and never changed since, gets its initiative.
    const taught = programs.filter((p) => programInitiativeCode(p));
    await db.query(
      `UPDATE bpsdm_central.training_program t SET initiative_code = v.code
         FROM unnest($1::uuid[], $2::text[]) AS v (id, code)
        WHERE t.id = v.id AND t.initiative_code IS NULL AND t.version = 1`,
      [taught.map((p) => programId(p.code)), taught.map((p) => programInitiativeCode(p))],
    );
    await insertRows(
      db,
      'bpsdm_central.program_module',
      ['id', 'program_id', 'position', 'title', 'lesson_hours'],
      programs.flatMap((p) =>
        p.modules.map((m, index) => [
          stableId('program-module', `${p.code}:${index}`),
          programId(p.code),
          index + 1,
          m.title,
          m.lessonHours,
        ]),
      ),
    );
  });
  progress(`bpsdm-central: ${programs.length} training programs`);
}
