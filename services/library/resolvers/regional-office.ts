import { MIN_GROUP_SIZE, mayReadSmallGroup, mayReadTotal } from '@coop/common';
import type { Context } from './context';

/** The library subgraph knows a regional office only by its province code. */
export const regionalOfficeResolvers = {
  __resolveReference: (ref: { provinceCode: string }) => ({ provinceCode: ref.provinceCode }),
  /**
   * Counts per province and level; in a group of fewer than MIN_GROUP_SIZE librarians, how many
   * are certified would tell about persons, so it is null for those who may not read them; and
   * the province's certified count and rate are null whenever a level's is (decision 13), or
   * the level would follow from the total minus the other levels.
   */
  librarianStats: async (office: { provinceCode: string }, _: unknown, context: Context) => {
    const stats = await context.loaders.librarianStats.load(office.provinceCode);
    const visible = (size: number) => mayReadSmallGroup(context.viewer, office.provinceCode, size);
    const smallLevels = stats.byLevel.filter(
      (level) => level.librarians > 0 && level.librarians < MIN_GROUP_SIZE,
    ).length;
    const totalVisible = mayReadTotal(
      context.viewer,
      office.provinceCode,
      stats.librarians,
      smallLevels,
    );
    return {
      librarians: stats.librarians,
      certified: totalVisible ? stats.certified : null,
      certificationRate: !totalVisible
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
