import { Enrolment } from './enrolment';
import { FacilityBooking } from './facility-booking';
import { ProgramRun } from './program-run';
import { RegionalOffice } from './regional-office';

export { Enrolment, FacilityBooking, ProgramRun, RegionalOffice };
export type { EnrolmentStatus } from './enrolment';
export type { RunStatus } from './program-run';

export const entities = [Enrolment, FacilityBooking, ProgramRun, RegionalOffice];
