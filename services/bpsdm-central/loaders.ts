import { auditTrailLoader, byKeyLoader, groupLoader, isUuid } from '@coop/common';
import { In, type DataSource } from 'typeorm';
import { ProgramModule, TrainingProgram } from './entities';

/** Fresh loaders for every request: batching per request, no cache shared between users. */
export function createLoaders(db: DataSource) {
  return {
    auditTrail: auditTrailLoader(db, 'bpsdm_central'),
    program: byKeyLoader(
      (ids) => db.getRepository(TrainingProgram).findBy({ id: In([...ids]) }),
      (row) => row.id,
      isUuid,
    ),
    modulesOfProgram: groupLoader(
      (ids) =>
        db.getRepository(ProgramModule).find({
          where: { programId: In([...ids]) },
          order: { position: 'ASC' },
        }),
      (row) => row.programId,
    ),
    programsOfAgreement: groupLoader(
      (ids) =>
        db.getRepository(TrainingProgram).find({
          where: { agreementId: In(ids.filter(isUuid)) },
          order: { title: 'ASC', id: 'ASC' },
        }),
      (row) => row.agreementId!,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
