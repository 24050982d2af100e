import { DateScalar } from '@coop/common';
import { agreement, agreementPartyResolvers, agreementResolvers, agreements } from './agreement';
import {
  certification,
  certificationResolvers,
  certificationSchemeResolvers,
  certificationSchemes,
  verifyCertificate,
} from './certification';
import { facilities, facilityResolvers } from './facility';
import { librarian, librarianByNip, librarianResolvers, librarians } from './librarian';
import { regionalOfficeResolvers } from './regional-office';
import { createAgreement, terminateAgreement, updateAgreement } from './agreement-mutations';
import { auditTrailOf } from './audit-trail';
import { recordAssessment, revokeCertificate } from './certification-mutations';
import { createFacility, updateFacility } from './facility-mutations';
import { registerLibrarian, updateLibrarian } from './librarian-mutations';

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
  },
  Agreement: { ...agreementResolvers, auditTrail: auditTrailOf('Agreement') },
  AgreementParty: agreementPartyResolvers,
  Librarian: { ...librarianResolvers, auditTrail: auditTrailOf('Librarian') },
  Certification: { ...certificationResolvers, auditTrail: auditTrailOf('Certification', 'number') },
  CertificationScheme: certificationSchemeResolvers,
  Facility: { ...facilityResolvers, auditTrail: auditTrailOf('Facility') },
  RegionalOffice: regionalOfficeResolvers,
};
