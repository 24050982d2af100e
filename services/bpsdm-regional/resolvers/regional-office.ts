import { toConnection, toPage, type PageArgs } from '@coop/common';
import type { GraphQLResolveInfo } from 'graphql';
import { RegionalOffice, type RunStatus } from '../entities';
import type { Context } from './context';
import { prepareRuns } from './run-list';
import { officeTrainingResolvers } from './training-stats';

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
  ...officeTrainingResolvers,
};
