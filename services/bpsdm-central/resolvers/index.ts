import {
  agreementResolvers,
  trainingProgram,
  trainingProgramResolvers,
  trainingPrograms,
} from './training-program';

export const resolvers = {
  Query: { trainingPrograms, trainingProgram },
  TrainingProgram: trainingProgramResolvers,
  Agreement: agreementResolvers,
};
