import { ProgramModule } from './program-module';
import { TrainingProgram } from './training-program';

export { ProgramModule, TrainingProgram };

export const entities = [ProgramModule, TrainingProgram];
