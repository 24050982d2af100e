import { randomUUID } from 'node:crypto';
import {
  auditedTransaction,
  idempotentCreate,
  notFound,
  parseInput,
  requireRole,
  staleWrite,
  userError,
  inputError,
} from '@coop/common';
import { z } from 'zod';
import type { ProgramRun, RunStatus } from '../entities';
import {
  completedIn,
  deleteBookingsOfRun,
  findRun,
  plainRun,
  settleEnrolmentsOfRun,
  type RunInOffice,
} from '../queries/writes';
import type { Context } from './context';
import { checkCancellable, checkMove, RUN_STATUSES, settlementOf } from './run-status';
import {
  actorOf,
  clientKeySchema,
  dateSchema,
  idSchema,
  parseArgs,
  refreshRun,
  requireOwnOffice,
  requireProgram,
  SCHEMA,
  sqlState,
  versionSchema,
  violatedConstraint,
} from './writes';

const between = (name: string, min: number, max: number) =>
  z
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be between ${min} and ${max}` })
    .max(max, { error: `${name} must be between ${min} and ${max}` });

export const PlanRunInput = z
  .object({
    provinceCode: z
      .string()
      .regex(/^[0-9]{2}$/, { error: 'provinceCode must be a two-digit province code, e.g. 32' }),
    programId: idSchema('programId'),
    batch: between('batch', 1, 999),
    startsOn: dateSchema('startsOn'),
    endsOn: dateSchema('endsOn'),
    quota: between('quota', 1, 500),
    clientKey: clientKeySchema,
  })
  .refine((input) => input.endsOn >= input.startsOn, {
    path: ['endsOn'],
    error: 'endsOn must be on or after startsOn',
  });

/** The name PostgreSQL gave the initial migration's UNIQUE (office_id, program_id, batch). */
const BATCH_TAKEN = 'program_run_office_id_program_id_batch_key';

/** `planRun(input)`: a new run, PLANNED, at the office of `input.provinceCode`. */
export async function planRun(
  _: unknown,
  args: { input: unknown },
  context: Context,
): Promise<ProgramRun> {
  const { viewer } = context;
  requireRole(viewer, 'regional-operator');
  const input = parseInput(PlanRunInput, args.input);
  requireOwnOffice(viewer, input.provinceCode, 'The new run');
  const office = await context.loaders.officeByProvinceCode.load(input.provinceCode);
  if (!office) {
    throw inputError(
      'input.provinceCode',
      `No regional office has province code ${input.provinceCode}`,
    );
  }
  await requireProgram(input.programId, 'input.programId', context);

  const run = await auditedTransaction(context.db, SCHEMA, viewer, async (manager, audit) => {
    const scope = {
      actor: actorOf(viewer),
      operation: 'planRun',
      clientKey: input.clientKey,
      input,
      field: 'input.clientKey',
    };
    const { id, replayed } = await idempotentCreate(manager, SCHEMA, scope, async () => {
      const id = randomUUID();
      try {
        await manager.query(
          `INSERT INTO bpsdm_regional.program_run
             (id, office_id, program_id, batch, starts_on, ends_on, quota, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'PLANNED')`,
          [id, office.id, input.programId, input.batch, input.startsOn, input.endsOn, input.quota],
        );
      } catch (error) {
        if (sqlState(error) === '23505' && violatedConstraint(error) === BATCH_TAKEN) {
          throw userError(
            'CONFLICT',
            `Batch ${input.batch} of program ${input.programId} is already planned at ${office.name}: choose another batch number`,
            { field: 'input.batch' },
          );
        }
        throw error;
      }
      return id;
    });
    const created = (await findRun(manager, id))!;
    if (!replayed) {
      await audit({
        action: 'planRun',
        entity: 'ProgramRun',
        entityId: id,
        before: null,
        after: plainRun(created),
      });
    }
    return plainRun(created);
  });
  refreshRun(context, run);
  return run;
}

const SetRunStatusArgs = {
  id: idSchema('id'),
  version: versionSchema,
  status: z.enum(RUN_STATUSES, { error: `status must be one of ${RUN_STATUSES.join(', ')}` }),
};

/**
 * `setRunStatus(id, version, status)`: moves a run on by the state machine of `run-status.ts`.
 * Completing or cancelling a run settles its enrolments still in progress (`settlementOf`), each
 * with an audit record, in the same transaction as the move: the run's lock, taken first, keeps
 * every other writer of its enrolments waiting until both are committed, or neither. Cancelling
 * a run releases its facility bookings, so the facilities can be booked again.
 */
export async function setRunStatus(
  _: unknown,
  rawArgs: Record<string, unknown>,
  context: Context,
): Promise<ProgramRun> {
  const { viewer } = context;
  requireRole(viewer, 'regional-operator');
  const args = parseArgs(SetRunStatusArgs, rawArgs);
  const run = await auditedTransaction(context.db, SCHEMA, viewer, async (manager, audit) => {
    const before = await lockRunToChange(manager, args.id, viewer);
    if (before.version !== args.version) {
      throw staleWrite('ProgramRun', args.id, args.version, before.version);
    }
    const to = args.status as RunStatus;
    checkMove(before.status, to);
    if (to === 'CANCELLED') checkCancellable(args.id, await completedIn(manager, args.id));
    const settled = settlementOf(to);
    if (settled) {
      for (const change of await settleEnrolmentsOfRun(manager, args.id, settled)) {
        await audit({
          action: 'setRunStatus',
          entity: 'Enrolment',
          entityId: change.after.id,
          ...change,
        });
      }
    }
    await manager.query(
      `UPDATE bpsdm_regional.program_run SET status = $2, version = version + 1 WHERE id = $1`,
      [args.id, args.status],
    );
    if (args.status === 'CANCELLED') {
      for (const booking of await deleteBookingsOfRun(manager, args.id)) {
        await audit({
          action: 'setRunStatus',
          entity: 'FacilityBooking',
          entityId: booking.id,
          before: booking,
          after: null,
        });
      }
    }
    const after = (await findRun(manager, args.id))!;
    await audit({
      action: 'setRunStatus',
      entity: 'ProgramRun',
      entityId: args.id,
      before: plainRun(before),
      after: plainRun(after),
    });
    return plainRun(after);
  });
  refreshRun(context, run);
  return run;
}

/**
 * Locks a run for a change and checks that the caller may change it: NOT_FOUND for an unknown
 * id, FORBIDDEN for a regional operator of another province.
 */
export async function lockRunToChange(
  manager: Parameters<typeof findRun>[0],
  id: string,
  viewer: Context['viewer'],
): Promise<RunInOffice> {
  const run = await findRun(manager, id, true);
  if (!run) throw notFound('ProgramRun', id);
  requireOwnOffice(viewer, run.provinceCode, `Run ${id}`);
  return run;
}
