import { today } from '@coop/common';
import type { Certification, CertificationScheme } from '../entities';
import { certificationStatus, maskName } from './certification-status';
import type { Context } from './context';

export function certification(_: unknown, args: { number: string }, { loaders }: Context) {
  return loaders.certification.load(args.number);
}

/** Public check of a certificate: genuine or not, nothing that identifies the holder. */
export async function verifyCertificate(
  _: unknown,
  args: { number: string },
  { loaders }: Context,
) {
  const found = await loaders.certification.load(args.number.trim());
  if (!found || found.result !== 'COMPETENT') {
    return { valid: false, status: null, scheme: null, expiresOn: null, holderName: null };
  }
  const status = certificationStatus(found, today());
  const holder = await loaders.librarian.load(found.librarianId);
  return {
    valid: status === 'VALID',
    status,
    scheme: await loaders.scheme.load(found.schemeCode),
    expiresOn: found.expiresOn,
    holderName: holder ? maskName(holder.name) : null,
  };
}

export const certificationResolvers = {
  __resolveReference: (ref: { number: string }, { loaders }: Context) =>
    loaders.certification.load(ref.number),
  scheme: (row: Certification, _: unknown, { loaders }: Context) =>
    loaders.scheme.load(row.schemeCode),
  holder: (row: Certification, _: unknown, { loaders }: Context) =>
    loaders.librarian.load(row.librarianId),
  status: (row: Certification) => certificationStatus(row, today()),
  run: (row: Certification) => (row.runId ? { id: row.runId } : null),
};

export function certificationSchemes(_: unknown, __: unknown, { db }: Context) {
  return db.query(`SELECT code, name, standard FROM library.certification_scheme ORDER BY code`);
}

export const certificationSchemeResolvers = {
  __resolveReference: (ref: { code: string }, { loaders }: Context) =>
    loaders.scheme.load(ref.code),
  units: (scheme: CertificationScheme, _: unknown, { loaders }: Context) =>
    loaders.schemeUnits.load(scheme.code),
};
