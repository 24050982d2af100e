import { toConnection, toPage, type PageArgs } from '@coop/common';
import { ItInitiative, type ItRollout } from '../entities';
import type { Context } from './context';

export async function itInitiatives(_: unknown, __: unknown, { db, loaders }: Context) {
  const rows = await db.getRepository(ItInitiative).find({ order: { code: 'ASC' } });
  for (const row of rows) loaders.itInitiative.prime(row.code, row);
  return rows;
}

export function itInitiative(_: unknown, args: { code: string }, { loaders }: Context) {
  return loaders.itInitiative.load(args.code);
}

interface RolloutsArgs extends PageArgs {
  filter?: { provinceCode?: string | null; status?: string | null } | null;
}

export const itInitiativeResolvers = {
  __resolveReference: (ref: { code: string }, { loaders }: Context) =>
    loaders.itInitiative.load(ref.code),
  /** A page per initiative, batched over every initiative of the request (it-rollouts.ts). */
  rollouts: async (initiative: ItInitiative, args: RolloutsArgs, { loaders }: Context) => {
    const page = toPage(args);
    const filter = {
      provinceCode: args.filter?.provinceCode ?? null,
      status: args.filter?.status ?? null,
    };
    const initiativeCode = initiative.code;
    const rows = await loaders.itRolloutPages.load({ initiativeCode, ...filter, ...page });
    return toConnection(rows, page, () =>
      loaders.itRolloutCounts.load({ initiativeCode, ...filter }),
    );
  },
};

export const itRolloutResolvers = {
  initiative: (rollout: ItRollout, _: unknown, { loaders }: Context) =>
    loaders.itInitiative.load(rollout.initiativeCode),
  office: (rollout: ItRollout) => ({
    __typename: 'RegionalOffice',
    provinceCode: rollout.provinceCode,
  }),
};

/** `RegionalOffice.itAdoption`: the province's rollouts, one statement for every office asked. */
export function itAdoption(office: { provinceCode: string }, _: unknown, { loaders }: Context) {
  return loaders.itRolloutsOfProvince.load(office.provinceCode);
}
