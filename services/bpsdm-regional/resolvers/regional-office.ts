import { mayReadTotal, toConnection, toPage, type PageArgs } from '@coop/common';
import type { GraphQLResolveInfo } from 'graphql';
import { RegionalOffice, type RunStatus } from '../entities';
import type { Context } from './context';
import { prepareRuns } from './run-list';

interface OfficeRunFilterInput {
  status?: RunStatus | null;
  programId?: string | null;
}

/** A reference from another subgraph carries either key of the office. */
type OfficeReference = { id: string } | { provinceCode: string };

/** The 38 offices, by province code. */
export async function regionalOffices(_: unknown, __: unknown, { db, loaders }: Context) {
  const rows = await db.getRepository(RegionalOffice).find({ order: { provinceCode: 'ASC' } });
  for (const row of rows) {
    loaders.officesById.set(row.id, row);
    loaders.office.prime(row.id, row);
    loaders.officeByProvinceCode.prime(row.provinceCode, row);
  }
  return rows;
}

/** `regionalOffice(provinceCode)`: null when no office has this code. */
export function regionalOffice(_: unknown, args: { provinceCode: string }, { loaders }: Context) {
  return loaders.officeByProvinceCode.load(args.provinceCode);
}

export const regionalOfficeResolvers = {
  __resolveReference: (ref: OfficeReference, { loaders }: Context) =>
    'id' in ref ? loaders.office.load(ref.id) : loaders.officeByProvinceCode.load(ref.provinceCode),

  runs: async (
    office: RegionalOffice,
    args: PageArgs & { filter?: OfficeRunFilterInput | null },
    context: Context,
    info: GraphQLResolveInfo,
  ) => {
    const { loaders } = context;
    const page = toPage(args);
    const filter = {
      status: args.filter?.status ?? null,
      programId: args.filter?.programId ?? null,
    };
    const rows = await loaders.officeRuns.load({ parentId: office.id, args: { ...filter, page } });
    await prepareRuns(rows, info, context);
    return toConnection(rows, page, () =>
      loaders.officeRunCount.load({ parentId: office.id, args: filter }),
    );
  },

  trainingStats: async (
    office: RegionalOffice,
    args: { year?: number | null },
    { loaders, viewer }: Context,
  ) => {
    const counts = await loaders.trainingStats.load({
      parentId: office.id,
      args: { year: args.year ?? null },
    });
    // Who completed among a handful of participants is about persons: see MIN_GROUP_SIZE. The
    // lesson hours earned tell it too (only completions earn them), and a year's counts would
    // follow from all years minus the others: all years are shown only when every year is
    // (decision 13).
    const { smallYears, ...shown } = counts;
    if (!mayReadTotal(viewer, office.provinceCode, counts.enrolled, smallYears)) {
      return { ...shown, completed: null, completionRate: null, lessonHoursDelivered: null };
    }
    return {
      ...shown,
      // A withdrawal is an enrolment that did not complete: it lowers the rate.
      completionRate: counts.enrolled ? counts.completed / counts.enrolled : 0,
    };
  },
};
