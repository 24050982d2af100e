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

interface AdoptionTotal {
  initiativeCode: string;
  provincesInUse: number;
  provincesPiloting: number;
  provincesPlanned: number;
  provincesWithForum: number;
  librariesUsing: number;
  librariesTotal: number;
}

/** `Query.nationalItAdoption`: every initiative's rollouts summed over the provinces. */
export async function nationalItAdoption(_: unknown, __: unknown, { db }: Context) {
  const rows: AdoptionTotal[] = await db.query(
    `SELECT i.code AS "initiativeCode",
            count(r.id) FILTER (WHERE r.status = 'IN_USE')::integer AS "provincesInUse",
            count(r.id) FILTER (WHERE r.status = 'PILOTING')::integer AS "provincesPiloting",
            count(r.id) FILTER (WHERE r.status = 'PLANNED')::integer AS "provincesPlanned",
            count(r.id) FILTER (WHERE r.has_forum)::integer AS "provincesWithForum",
            coalesce(sum(r.libraries_using), 0)::integer AS "librariesUsing",
            coalesce(sum(r.libraries_total), 0)::integer AS "librariesTotal"
       FROM library.it_initiative i
       LEFT JOIN library.it_rollout r ON r.initiative_code = i.code
      GROUP BY i.code ORDER BY i.code`,
  );
  return rows;
}

export const itAdoptionTotalResolvers = {
  initiative: (total: AdoptionTotal, _: unknown, { loaders }: Context) =>
    loaders.itInitiative.load(total.initiativeCode),
};
