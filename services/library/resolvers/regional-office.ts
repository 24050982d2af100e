import { mayReadSmallGroup } from '@coop/common';
import type { Context } from './context';

/** The library subgraph knows a regional office only by its province code. */
export const regionalOfficeResolvers = {
  __resolveReference: (ref: { provinceCode: string }) => ({ provinceCode: ref.provinceCode }),
  /**
   * Counts per province and level; in a group of fewer than MIN_GROUP_SIZE librarians, how many
   * are certified would tell about persons, so it is null for those who may not read them.
   */
  librarianStats: async (office: { provinceCode: string }, _: unknown, context: Context) => {
    const stats = await context.loaders.librarianStats.load(office.provinceCode);
    const visible = (size: number) => mayReadSmallGroup(context.viewer, office.provinceCode, size);
    return {
      librarians: stats.librarians,
      certified: visible(stats.librarians) ? stats.certified : null,
      certificationRate: !visible(stats.librarians)
        ? null
        : stats.librarians
          ? stats.certified / stats.librarians
          : 0,
      byLevel: stats.byLevel.map((level) => ({
        ...level,
        certified: visible(level.librarians) ? level.certified : null,
      })),
    };
  },
};
