import type { Context } from './context';
import { createTrainingProgram, updateTrainingProgram } from './program-mutations';
import {
  agreementResolvers,
  trainingProgram,
  trainingProgramResolvers,
  trainingPrograms,
} from './training-program';

export const resolvers = {
  Query: { trainingPrograms, trainingProgram },
  Mutation: { createTrainingProgram, updateTrainingProgram },
  TrainingProgram: {
    ...trainingProgramResolvers,
    auditTrail: (program: { id: string }, _: unknown, { loaders }: Context) =>
      loaders.auditTrail.load(`TrainingProgram/${program.id}`),
  },
  Agreement: agreementResolvers,
};
