import {
  auditTrailLoader,
  byKeyLoader,
  groupLoader,
  isUuid,
  objectKeyLoader,
  today,
} from '@coop/common';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import {
  Agreement,
  AgreementParty,
  Certification,
  CertificationScheme,
  CompetencyUnit,
  Facility,
  ItInitiative,
  ItRollout,
} from './entities';
import { rolloutCounts, rolloutPages } from './it-rollouts';
import { librariansById } from './librarian-list';
import { librarianTableOn, type LibrarianTable } from './librarian-stats';

/** Fresh loaders for every request: batching per request, no cache shared between users. */
export function createLoaders(db: DataSource) {
  return {
    agreement: byKeyLoader(
      (ids) => db.getRepository(Agreement).findBy({ id: In([...ids]) }),
      (row) => row.id,
      isUuid,
    ),
    agreementChildren: groupLoader(
      (ids) =>
        db.getRepository(Agreement).find({
          where: { parentId: In([...ids]) },
          order: { signedOn: 'ASC', id: 'ASC' },
        }),
      (row) => row.parentId!,
    ),
    agreementParties: groupLoader(
      (ids) =>
        db.getRepository(AgreementParty).find({
          where: { agreementId: In([...ids]) },
          order: { position: 'ASC' },
        }),
      (row) => row.agreementId,
    ),
    librarian: byKeyLoader(
      (ids: readonly string[]) => librariansById(db, ids),
      (row) => row.id,
      isUuid,
    ),
    certification: byKeyLoader(
      (numbers) => db.getRepository(Certification).findBy({ number: In([...numbers]) }),
      (row) => row.number,
    ),
    certificationsOfLibrarian: groupLoader(
      (ids) =>
        db.getRepository(Certification).find({
          where: { librarianId: In([...ids]) },
          order: { assessedOn: 'DESC', number: 'ASC' },
        }),
      (row) => row.librarianId,
    ),
    scheme: byKeyLoader(
      (codes) => db.getRepository(CertificationScheme).findBy({ code: In([...codes]) }),
      (row) => row.code,
    ),
    schemeUnits: groupLoader(
      (codes) =>
        db.getRepository(CompetencyUnit).find({
          where: { schemeCode: In([...codes]) },
          order: { position: 'ASC' },
        }),
      (row) => row.schemeCode,
    ),
    facility: byKeyLoader(
      (ids) => db.getRepository(Facility).findBy({ id: In([...ids]) }),
      (row) => row.id,
      isUuid,
    ),
    itInitiative: byKeyLoader(
      (codes) => db.getRepository(ItInitiative).findBy({ code: In([...codes]) }),
      (row) => row.code,
    ),
    itRollout: byKeyLoader(
      (ids) => db.getRepository(ItRollout).findBy({ id: In([...ids]) }),
      (row) => row.id,
      isUuid,
    ),
    itRolloutsOfProvince: groupLoader(
      (codes) =>
        db.getRepository(ItRollout).find({
          where: { provinceCode: In([...codes]) },
          order: { initiativeCode: 'ASC' },
        }),
      (row) => row.provinceCode,
    ),
    itRolloutPages: objectKeyLoader((keys: Parameters<typeof rolloutPages>[1]) =>
      rolloutPages(db, keys),
    ),
    itRolloutCounts: objectKeyLoader((keys: Parameters<typeof rolloutCounts>[1]) =>
      rolloutCounts(db, keys),
    ),
    auditTrail: auditTrailLoader(db, 'library'),
    // One read per request, whichever provinces and national figures it asks for.
    librarianTable: new DataLoader<'all', LibrarianTable>(async (keys) => {
      const table = await librarianTableOn(db, today());
      return keys.map(() => table);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
