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
  Agreement: agreementResolvers,
  AgreementParty: agreementPartyResolvers,
  Librarian: librarianResolvers,
  Certification: certificationResolvers,
  CertificationScheme: certificationSchemeResolvers,
  Facility: facilityResolvers,
  RegionalOffice: regionalOfficeResolvers,
};
