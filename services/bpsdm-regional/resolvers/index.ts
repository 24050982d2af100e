import { DateScalar, disclosureControl } from '@coop/common';
import { bookFacility } from './booking-mutations';
import { enrolmentResolvers } from './enrolment';
import { enrol, recordResult, withdrawEnrolment } from './enrolment-mutations';
import { facilityBookingResolvers } from './facility-booking';
import { librarianResolvers } from './librarian';
import { programRun, programRunResolvers, programRuns } from './program-run';
import { regionalOffice, regionalOfficeResolvers, regionalOffices } from './regional-office';
import { planRun, setRunStatus } from './run-mutations';
import { trainingProgramResolvers } from './training-program';
import { nationalTrainingByYear, nationalTrainingStats } from './training-stats';

export const resolvers = {
  Date: DateScalar,
  Query: {
    regionalOffices,
    regionalOffice,
    programRuns,
    programRun,
    nationalTrainingStats,
    nationalTrainingByYear,
    disclosureControl,
  },
  Mutation: {
    planRun,
    setRunStatus,
    enrol,
    withdrawEnrolment,
    recordResult,
    bookFacility,
  },
  RegionalOffice: regionalOfficeResolvers,
  ProgramRun: programRunResolvers,
  Enrolment: enrolmentResolvers,
  FacilityBooking: facilityBookingResolvers,
  TrainingProgram: trainingProgramResolvers,
  Librarian: librarianResolvers,
};
