import { authenticated, onlyRoles, personal, type PolicyTable } from '@coop/common';
import type { Certification, Librarian } from './entities';
import type { Context } from './resolvers/context';

const ofLibrarian = personal<Librarian, Context>((librarian) => librarian.provinceCode);
const ofHolder = personal<Certification, Context>(
  async (certification, { loaders }) =>
    (await loaders.librarian.load(certification.librarianId))?.provinceCode ?? null,
);

/**
 * Who may read what in the library subgraph; every field not listed is public (agreements,
 * schemes, facilities, IT initiatives and their rollouts, `verifyCertificate`). Names, NIPs and assessment results are personal
 * data (UU 27/2022) of the librarian's province.
 */
export const policies: PolicyTable<Context> = {
  'Query.librarians': authenticated,
  'Query.librarian': authenticated,
  // Admins, and operators for their own province's librarians (the resolver checks which).
  'Query.librarianByNip': onlyRoles('regional-operator'),
  'Query.certification': authenticated,
  'Librarian.nip': ofLibrarian,
  'Librarian.name': ofLibrarian,
  'Librarian.certifications': ofLibrarian,
  'Certification.holder': ofHolder,
  'Certification.result': ofHolder,
  'Certification.assessedOn': ofHolder,
  'Certification.issuedOn': ofHolder,
  'Certification.expiresOn': ofHolder,
  'Certification.status': ofHolder,
  'Certification.run': ofHolder,
  'RegionalOffice.librarianStats': authenticated,
  'Query.nationalLibrarianStats': authenticated,
  'Agreement.auditTrail': onlyRoles(),
  'Librarian.auditTrail': onlyRoles(),
  'Certification.auditTrail': onlyRoles(),
  'Facility.auditTrail': onlyRoles(),
  'ItInitiative.auditTrail': onlyRoles(),
  'ItRollout.auditTrail': onlyRoles(),
};
