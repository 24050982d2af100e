import { toConnection, toPage, today, type PageArgs } from '@coop/common';
import { Agreement as AgreementEntity, type AgreementParty } from '../entities';
import {
  agreementStatus,
  agreementStatusCondition,
  type AgreementStatus,
} from './agreement-status';
import type { Context } from './context';

interface AgreementFilter {
  kind?: 'MOU' | 'PKS' | null;
  status?: AgreementStatus | null;
  scope?: string | null;
}

/** Agreements matching a filter, newest signed first, one page of them. */
export async function agreements(
  _: unknown,
  args: PageArgs & { filter?: AgreementFilter | null },
  { db, loaders }: Context,
) {
  const page = toPage(args);
  const filter = args.filter ?? {};
  const query = db.getRepository(AgreementEntity).createQueryBuilder('a');
  if (filter.kind) query.andWhere('a.kind = :kind', { kind: filter.kind });
  if (filter.scope) query.andWhere(':scope = ANY(a.scopes)', { scope: filter.scope });
  if (filter.status) {
    query.andWhere(agreementStatusCondition(filter.status, ':today'), { today: today() });
  }
  const rows = await query
    .clone()
    .orderBy('a.signed_on', 'DESC')
    .addOrderBy('a.id')
    .limit(page.limit + 1)
    .offset(page.offset)
    .getMany();
  for (const row of rows) loaders.agreement.prime(row.id, row);
  return toConnection(rows, page, () => query.getCount());
}

/**
 * Every Agreement object reaching these resolvers is a whole row: lists return rows and
 * references are loaded by `__resolveReference`.
 */
export const agreementResolvers = {
  __resolveReference: (ref: { id: string }, { loaders }: Context) => loaders.agreement.load(ref.id),
  status: (agreement: AgreementEntity) => agreementStatus(agreement, today()),
  parent: (agreement: AgreementEntity, _: unknown, { loaders }: Context) =>
    agreement.parentId ? loaders.agreement.load(agreement.parentId) : null,
  children: (agreement: AgreementEntity, _: unknown, { loaders }: Context) =>
    loaders.agreementChildren.load(agreement.id),
  parties: (agreement: AgreementEntity, _: unknown, { loaders }: Context) =>
    loaders.agreementParties.load(agreement.id),
};

export const agreementPartyResolvers = {
  signatory: (party: AgreementParty) =>
    party.signatoryName
      ? { name: party.signatoryName, position: party.signatoryPosition ?? '' }
      : null,
  regionalOffice: (party: AgreementParty) =>
    party.provinceCode ? { provinceCode: party.provinceCode } : null,
};

/** `agreement(id)`: null when no agreement has this id. */
export function agreement(_: unknown, args: { id: string }, { loaders }: Context) {
  return loaders.agreement.load(args.id);
}
