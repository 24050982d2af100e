import { personalDataOfProvince, type PolicyEvaluators } from '@coop/common';
import type { Certification, Librarian } from './entities';
import type { Context } from './resolvers/context';

/**
 * The library's `@policy` names, evaluated per row; which fields each protects is declared in
 * schema.graphql. A librarian's names, NIP and assessment results are personal data (UU
 * 27/2022) of the librarian's province, a certification's of its holder's.
 */
export const policies: PolicyEvaluators<Context> = {
  'personal-data-of-province': personalDataOfProvince<Context>({
    Librarian: (librarian: Librarian) => librarian.provinceCode,
    Certification: async (certification: Certification, { loaders }: Context) =>
      (await loaders.librarian.load(certification.librarianId))?.provinceCode ?? null,
  }),
};
