import { Enrolment } from './enrolment';
import { ProgramRun } from './program-run';
import { RegionalOffice } from './regional-office';

export { Enrolment, ProgramRun, RegionalOffice };
export type { EnrolmentStatus } from './enrolment';
export type { RunStatus } from './program-run';

export const entities = [Enrolment, ProgramRun, RegionalOffice];
