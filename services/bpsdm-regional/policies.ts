import { personalDataOfProvince, type PolicyEvaluators } from '@coop/common';
import type { Enrolment, ProgramRun } from './entities';
import type { Context } from './resolvers/context';
import { provinceOfRun } from './resolvers/province';

/**
 * bpsdm-regional's `@policy` names, evaluated per row; which fields each protects is declared
 * in schema.graphql. Participants and their results are personal data of the run's province.
 */
export const policies: PolicyEvaluators<Context> = {
  'personal-data-of-province': personalDataOfProvince<Context>({
    ProgramRun: (run: ProgramRun, context: Context) => provinceOfRun(run.id, context),
    Enrolment: (enrolment: Enrolment, context: Context) => provinceOfRun(enrolment.runId, context),
  }),
  // A librarian's enrolments: admins read all, a regional operator those in its office's runs,
  // which the resolver filters (resolvers/librarian.ts); no row is refused here.
  'training-records-of-own-office': {
    types: ['Librarian'],
    check: () => null,
  },
};
