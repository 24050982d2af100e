import { auditTrailLoader, byKeyLoader, groupLoader, isUuid, today } from '@coop/common';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import {
  Agreement,
  AgreementParty,
  Certification,
  CertificationScheme,
  CompetencyUnit,
  Facility,
  Librarian,
} from './entities';

export interface LevelStats {
  level: string;
  librarians: number;
  certified: number;
}

export interface LibrarianStats {
  provinceCode: string;
  librarians: number;
  certified: number;
  byLevel: LevelStats[];
}

/** SQL: is a certificate (alias `c`) valid on date parameter `$n`? */
export const VALID_CERTIFICATE = (param: string) =>
  `c.result = 'COMPETENT' AND (c.revoked_on IS NULL OR c.revoked_on > ${param}) AND c.expires_on >= ${param}`;

/** Librarian counts per province and level, and how many of them hold a valid certificate. */
async function librarianStats(db: DataSource, provinceCodes: readonly string[]) {
  const rows: { provinceCode: string; level: string; librarians: number; certified: number }[] =
    await db.query(
      `SELECT l.province_code AS "provinceCode", l.level,
              count(*) AS librarians,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM library.certification c
                WHERE c.librarian_id = l.id AND ${VALID_CERTIFICATE('$2')})) AS certified
         FROM library.librarian l
        WHERE l.province_code = ANY($1)
        GROUP BY l.province_code, l.level
        ORDER BY l.province_code, l.level`,
      [provinceCodes, today()],
    );
  return provinceCodes.map((provinceCode): LibrarianStats => {
    const byLevel = rows
      .filter((row) => row.provinceCode === provinceCode)
      .map(({ level, librarians, certified }) => ({ level, librarians, certified }));
    return {
      provinceCode,
      librarians: byLevel.reduce((sum, row) => sum + row.librarians, 0),
      certified: byLevel.reduce((sum, row) => sum + row.certified, 0),
      byLevel,
    };
  });
}

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
      (ids) => db.getRepository(Librarian).findBy({ id: In([...ids]) }),
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
    auditTrail: auditTrailLoader(db, 'library'),
    librarianStats: new DataLoader<string, LibrarianStats>((codes) => librarianStats(db, codes)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
