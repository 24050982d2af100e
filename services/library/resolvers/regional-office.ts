import type { Context } from './context';

/** The library subgraph knows a regional office only by its province code. */
export const regionalOfficeResolvers = {
  __resolveReference: (ref: { provinceCode: string }) => ({ provinceCode: ref.provinceCode }),
  librarianStats: async (office: { provinceCode: string }, _: unknown, { loaders }: Context) => {
    const stats = await loaders.librarianStats.load(office.provinceCode);
    return {
      ...stats,
      certificationRate: stats.librarians ? stats.certified / stats.librarians : 0,
    };
  },
};
