import { DateScalar } from '@coop/common';
import { enrolmentResolvers } from './enrolment';
import { librarianResolvers } from './librarian';
import { programRunResolvers, programRuns } from './program-run';
import { regionalOffice, regionalOfficeResolvers, regionalOffices } from './regional-office';
import { trainingProgramResolvers } from './training-program';

export const resolvers = {
  Date: DateScalar,
  Query: {
    regionalOffices,
    regionalOffice,
    programRuns,
  },
  RegionalOffice: regionalOfficeResolvers,
  ProgramRun: programRunResolvers,
  Enrolment: enrolmentResolvers,
  TrainingProgram: trainingProgramResolvers,
  Librarian: librarianResolvers,
};
