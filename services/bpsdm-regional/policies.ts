import { authenticated, onlyRoles, personal, type PolicyTable } from '@coop/common';
import type { Enrolment, ProgramRun } from './entities';
import type { Context } from './resolvers/context';
import { provinceOfRun } from './resolvers/province';

const ofRun = personal<ProgramRun, Context>((run, context) => provinceOfRun(run.id, context));
const ofEnrolment = personal<Enrolment, Context>((enrolment, context) =>
  provinceOfRun(enrolment.runId, context),
);

/**
 * Who may read what in bpsdm-regional; every field not listed is public (the catalogue of
 * offices and runs). Participants and their results are personal data of the run's province.
 */
export const policies: PolicyTable<Context> = {
  'RegionalOffice.trainingStats': authenticated,
  'RegionalOffice.trainingByYear': authenticated,
  'Query.nationalTrainingStats': authenticated,
  'Query.nationalTrainingByYear': authenticated,
  'ProgramRun.enrolments': ofRun,
  'Enrolment.participant': ofEnrolment,
  'Enrolment.status': ofEnrolment,
  'Enrolment.finalScore': ofEnrolment,
  'Enrolment.lessonHoursEarned': ofEnrolment,
  'Enrolment.completionCertificateNumber': ofEnrolment,
  // Filtered to the operator's own office's runs in the resolver.
  'Librarian.enrolments': onlyRoles('regional-operator'),
  // A person's total over every province: only admins (see docs/decisions/0005).
  'Librarian.lessonHoursCompleted': onlyRoles(),
  // Who changed a run, when and how: admins only. Mutations check their callers themselves
  // (requireRole and the office's province, see resolvers/writes.ts).
  'ProgramRun.auditTrail': onlyRoles(),
};
