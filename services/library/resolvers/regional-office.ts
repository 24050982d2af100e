import { mayReadPeopleOf, TOTAL, withheldFields, type Protection } from '@coop/common';
import type { LibrarianStats } from '../librarian-stats';
import type { Context } from './context';

const CERTIFIED = ['certified', 'certificationRate'] as const;
const NO_LIBRARIANS: Omit<LibrarianStats, 'provinceCode'> = {
  librarians: 0,
  certified: 0,
  byLevel: [],
};

/**
 * A province's (row) or the nation's (row TOTAL) librarian figures as the viewer may see them:
 * what disclosure control withholds is null and listed in `withheld` (decision 23).
 */
export function visibleLibrarianStats(
  stats: Omit<LibrarianStats, 'provinceCode'>,
  row: string,
  protection: Protection,
  mayRead: boolean,
) {
  const withheld = withheldFields(protection, row, TOTAL, mayRead, CERTIFIED);
  return {
    librarians: stats.librarians,
    certified: withheld.length ? null : stats.certified,
    certificationRate: withheld.length
      ? null
      : stats.librarians
        ? stats.certified / stats.librarians
        : 0,
    withheld,
    byLevel: stats.byLevel.map((level) => {
      const levelWithheld = withheldFields(protection, row, level.level, mayRead, ['certified']);
      return {
        level: level.level,
        librarians: level.librarians,
        certified: levelWithheld.length ? null : level.certified,
        withheld: levelWithheld,
      };
    }),
  };
}

/** The library subgraph knows a regional office only by its province code. */
export const regionalOfficeResolvers = {
  __resolveReference: (ref: { provinceCode: string }) => ({ provinceCode: ref.provinceCode }),
  /** Counts per province and level; outcome counts as disclosure control allows. */
  librarianStats: async (office: { provinceCode: string }, _: unknown, context: Context) => {
    const table = await context.loaders.librarianTable.load('all');
    return visibleLibrarianStats(
      table.provinces.get(office.provinceCode) ?? NO_LIBRARIANS,
      office.provinceCode,
      table.protection,
      mayReadPeopleOf(context.viewer, office.provinceCode),
    );
  },
};

/** `Query.nationalLibrarianStats`: every province together, with the same rule. */
export async function nationalLibrarianStats(_: unknown, __: unknown, context: Context) {
  const table = await context.loaders.librarianTable.load('all');
  return visibleLibrarianStats(
    table.national,
    TOTAL,
    table.protection,
    mayReadPeopleOf(context.viewer, null),
  );
}
