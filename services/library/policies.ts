import { personalDataOfProvince, type DisclosedPersons, type PolicyEvaluators } from '@coop/common';
import type { Certification, Librarian } from './entities';
import type { Context } from './resolvers/context';

/**
 * The library's `@policy` names, evaluated per row; which fields each protects is declared in
 * schema.graphql. A librarian's names, NIP and assessment results are personal data (UU
 * 27/2022) of the librarian's province, a certification's of its holder's, and the librarian's
 * own (decision 30).
 */
export const policies: PolicyEvaluators<Context> = {
  'personal-data-of-province': personalDataOfProvince<Context>(
    {
      Librarian: (librarian: Librarian) => librarian.provinceCode,
      Certification: async (certification: Certification, { loaders }: Context) =>
        (await loaders.librarian.load(certification.librarianId))?.provinceCode ?? null,
      // `me`: no operator reads it (its scopes admit admins and librarians only).
      Query: () => null,
    },
    // The data subject: a librarian token reads the rows about the librarian it names.
    {
      Librarian: (librarian: Librarian) => librarian.id,
      Certification: (certification: Certification) => certification.librarianId,
      // `Query.me` is the caller's own record by construction.
      Query: (_root: unknown, { viewer }: Context) => viewer.librarianId ?? null,
    },
  ),
};

/** Whom each type's personal fields disclose, for the disclosure trail (decision 29). */
export const persons: DisclosedPersons = {
  Librarian: (librarian) => [(librarian as Librarian).id],
  Certification: (certification) => [(certification as Certification).librarianId],
  // `Query.me` (decision 30): the librarian it returns, to itself.
  Query: (_root, me) => (me ? [(me as Librarian).id] : []),
};
