import {
  NOT_OWN_RECORD,
  personalDataOfProvince,
  type DisclosedPersons,
  type PolicyEvaluators,
} from '@coop/common';
import type { Enrolment, ProgramRun } from './entities';
import type { Context } from './resolvers/context';
import { provinceOfRun } from './resolvers/province';

/**
 * bpsdm-regional's `@policy` names, evaluated per row; which fields each protects is declared
 * in schema.graphql. Participants and their results are personal data of the run's province.
 */
export const policies: PolicyEvaluators<Context> = {
  'personal-data-of-province': personalDataOfProvince<Context>(
    {
      ProgramRun: (run: ProgramRun, context: Context) => provinceOfRun(run.id, context),
      Enrolment: (enrolment: Enrolment, context: Context) =>
        provinceOfRun(enrolment.runId, context),
      // This subgraph does not know a librarian's province (library owns it): no operator is
      // let in by it, and the fields that use it admit admins and librarians only.
      Librarian: () => null,
    },
    // A run's participants are nobody's own record; an enrolment and a librarian's lesson
    // hours are the librarian's (decision 30).
    {
      Enrolment: (enrolment: Enrolment) => enrolment.librarianId,
      Librarian: (librarian: { id: string }) => librarian.id,
    },
  ),
  // A librarian's enrolments: admins read all, a regional operator those in its office's runs,
  // which the resolver filters (resolvers/librarian.ts); a librarian only its own (decision 30).
  'training-records-of-own-office': {
    types: ['Librarian'],
    check: (librarian, { viewer }) =>
      viewer.role !== 'librarian' || (librarian as { id: string }).id === viewer.librarianId
        ? null
        : NOT_OWN_RECORD,
  },
};

/** Whom each type's personal fields disclose, for the disclosure trail (decision 29). */
export const persons: DisclosedPersons = {
  // A librarian's enrolments (an extension of the library's type: the row is a reference).
  Librarian: (librarian) => [(librarian as { id: string }).id],
  Enrolment: (enrolment) => [(enrolment as Enrolment).librarianId],
  // A run's participants: the enrolments of the page delivered.
  ProgramRun: (_run, page) =>
    ((page as { edges?: { node: Enrolment }[] } | null)?.edges ?? []).map(
      ({ node }) => node.librarianId,
    ),
};
