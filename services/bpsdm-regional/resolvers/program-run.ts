import { toConnection, toPage, type PageArgs } from '@coop/common';
import type { GraphQLResolveInfo } from 'graphql';
import type { ProgramRun } from '../entities';
import { countRuns, runPage, type RunFilter } from '../queries/runs';
import type { Context } from './context';
import { toRoman } from './roman';
import { prepareRuns } from './run-list';

/** `programRuns(filter)`: runs of every office, latest start first, one page of them. */
export async function programRuns(
  _: unknown,
  args: PageArgs & { filter?: RunFilter | null },
  context: Context,
  info: GraphQLResolveInfo,
) {
  const page = toPage(args);
  const filter = args.filter ?? {};
  const rows = await runPage(context.db, filter, page);
  await prepareRuns(rows, info, context);
  return toConnection(rows, page, () => countRuns(context.db, filter));
}

/** `programRun(id)`: one run, null when there is none. */
export function programRun(_: unknown, args: { id: string }, { loaders }: Context) {
  return loaders.run.load(args.id);
}

/**
 * Every ProgramRun object reaching these resolvers is a whole row: lists return rows and
 * references are loaded by `__resolveReference`.
 */
export const programRunResolvers = {
  __resolveReference: (ref: { id: string }, { loaders }: Context) => loaders.run.load(ref.id),
  /** Owned by bpsdm-central: a reference the gateway resolves there. */
  program: (run: ProgramRun) => ({ __typename: 'TrainingProgram', id: run.programId }),
  office: (run: ProgramRun, _: unknown, { loaders }: Context) =>
    loaders.officesById.get(run.officeId) ?? loaders.office.load(run.officeId),
  batchLabel: (run: ProgramRun) => toRoman(run.batch),
  /** Owned by library: a reference, resolved there. */
  facility: (run: ProgramRun) => (run.facilityId ? { id: run.facilityId } : null),
  enrolments: async (run: ProgramRun, args: PageArgs, { loaders }: Context) => {
    const page = toPage(args);
    const rows = await loaders.runEnrolments.load({ parentId: run.id, args: { page } });
    return toConnection(rows, page, async () => (await loaders.enrolmentCounts.load(run.id)).all);
  },
  enrolmentCount: (run: ProgramRun, _: unknown, { loaders }: Context) =>
    loaders.enrolmentCountsByRun.get(run.id)?.active ??
    loaders.enrolmentCounts.load(run.id).then((counts) => counts.active),
  bookings: (run: ProgramRun, _: unknown, { loaders }: Context) => loaders.runBookings.load(run.id),
  /** Admins only (`@requiresScopes` in schema.graphql). */
  auditTrail: (run: ProgramRun, _: unknown, { loaders }: Context) =>
    loaders.auditTrail.load(`ProgramRun/${run.id}`),
};
