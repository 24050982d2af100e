import { isUuid, toConnection, toPage, type PageArgs } from '@coop/common';
import { TrainingProgram } from '../entities';
import type { Context } from './context';

interface TrainingProgramFilter {
  scope?: string | null;
  agreementId?: string | null;
  mode?: string | null;
}

/** The catalogue, by title, one page of it. */
export async function trainingPrograms(
  _: unknown,
  args: PageArgs & { filter?: TrainingProgramFilter | null },
  { db, loaders }: Context,
) {
  const page = toPage(args);
  const filter = args.filter ?? {};
  const query = db.getRepository(TrainingProgram).createQueryBuilder('p');
  if (filter.scope) query.andWhere('p.scope = :scope', { scope: filter.scope });
  if (filter.mode) query.andWhere('p.mode = :mode', { mode: filter.mode });
  if (filter.agreementId) {
    // An id that is not a UUID matches nothing; comparing it in SQL would be an error.
    if (!isUuid(filter.agreementId)) query.andWhere('false');
    else query.andWhere('p.agreement_id = :agreementId', { agreementId: filter.agreementId });
  }
  const rows = await query
    .clone()
    .orderBy('p.title')
    .addOrderBy('p.id')
    .limit(page.limit + 1)
    .offset(page.offset)
    .getMany();
  for (const row of rows) loaders.program.prime(row.id, row);
  return toConnection(rows, page, () => query.getCount());
}

export function trainingProgram(_: unknown, args: { id: string }, { loaders }: Context) {
  return loaders.program.load(args.id);
}

export const trainingProgramResolvers = {
  __resolveReference: (ref: { id: string }, { loaders }: Context) => loaders.program.load(ref.id),
  modules: (program: TrainingProgram, _: unknown, { loaders }: Context) =>
    loaders.modulesOfProgram.load(program.id),
  agreement: (program: TrainingProgram) =>
    program.agreementId ? { __typename: 'Agreement', id: program.agreementId } : null,
  initiative: (program: TrainingProgram) =>
    program.initiativeCode ? { __typename: 'ItInitiative', code: program.initiativeCode } : null,
};

/** The programs that implement an agreement of the library subgraph. */
export const agreementResolvers = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  programs: (agreement: { id: string }, _: unknown, { loaders }: Context) =>
    loaders.programsOfAgreement.load(agreement.id),
};
