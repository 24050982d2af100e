import { DateScalar, disclosureControl } from '@coop/common';
import { agreement, agreementPartyResolvers, agreementResolvers, agreements } from './agreement';
import {
  certification,
  certificationResolvers,
  certificationSchemeResolvers,
  certificationSchemes,
  verifyCertificate,
} from './certification';
import { facilities, facilityResolvers } from './facility';
import {
  itAdoption,
  itAdoptionTotalResolvers,
  itInitiative,
  itInitiativeResolvers,
  itInitiatives,
  itRolloutResolvers,
  nationalItAdoption,
} from './it-initiative';
import { createItInitiative, recordRollout, updateItInitiative } from './it-mutations';
import { librarian, librarianByNip, librarianResolvers, librarians, me } from './librarian';
import { nationalLibrarianStats, regionalOfficeResolvers } from './regional-office';
import { createAgreement, terminateAgreement, updateAgreement } from './agreement-mutations';
import { auditTrailOf } from './audit-trail';
import { recordAssessment, revokeCertificate } from './certification-mutations';
import { createFacility, updateFacility } from './facility-mutations';
import { registerLibrarian, updateLibrarian } from './librarian-mutations';
import { viewer, viewerResolvers } from './viewer';

export const resolvers = {
  Date: DateScalar,
  Query: {
    agreements,
    agreement,
    librarians,
    librarian,
    librarianByNip,
    certificationSchemes,
    certification,
    verifyCertificate,
    facilities,
    itInitiatives,
    itInitiative,
    nationalLibrarianStats,
    nationalItAdoption,
    disclosureControl,
    viewer,
    me,
  },
  Mutation: {
    createAgreement,
    updateAgreement,
    terminateAgreement,
    registerLibrarian,
    updateLibrarian,
    recordAssessment,
    revokeCertificate,
    createFacility,
    updateFacility,
    createItInitiative,
    updateItInitiative,
    recordRollout,
  },
  Agreement: { ...agreementResolvers, auditTrail: auditTrailOf('Agreement') },
  AgreementParty: agreementPartyResolvers,
  Librarian: { ...librarianResolvers, auditTrail: auditTrailOf('Librarian') },
  Certification: { ...certificationResolvers, auditTrail: auditTrailOf('Certification', 'number') },
  CertificationScheme: certificationSchemeResolvers,
  Facility: { ...facilityResolvers, auditTrail: auditTrailOf('Facility') },
  ItInitiative: { ...itInitiativeResolvers, auditTrail: auditTrailOf('ItInitiative') },
  ItRollout: { ...itRolloutResolvers, auditTrail: auditTrailOf('ItRollout') },
  RegionalOffice: { ...regionalOfficeResolvers, itAdoption },
  ItAdoptionTotal: itAdoptionTotalResolvers,
  Viewer: viewerResolvers,
};
