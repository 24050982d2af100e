import { randomUUID } from 'node:crypto';
import {
  auditedTransaction,
  idempotentCreate,
  notFound,
  requireRole,
  userError,
  inputError,
} from '@coop/common';
import type { RunStatus } from '../entities';
import {
  findBooking,
  findRun,
  insertBooking,
  overlappingBooking,
  plainRun,
  type BookingRow,
  type RunInOffice,
} from '../queries/writes';
import type { Context } from './context';
import {
  actorOf,
  clientKeySchema,
  dateSchema,
  idSchema,
  parseArgs,
  refreshRun,
  requireFacility,
  requireOwnOffice,
  SCHEMA,
  sqlState,
} from './writes';

/** A finished or cancelled run books nothing. */
const BOOKABLE: readonly RunStatus[] = ['PLANNED', 'OPEN', 'ONGOING'];

const BookFacilityArgs = {
  runId: idSchema('runId'),
  facilityId: idSchema('facilityId'),
  from: dateSchema('from'),
  to: dateSchema('to'),
  clientKey: clientKeySchema,
};

/** The days must lie within the run, and the run must still be to come or under way. */
function checkBookable(run: RunInOffice, from: string, to: string): void {
  if (!BOOKABLE.includes(run.status)) {
    throw inputError(
      'runId',
      `Run ${run.id} is ${run.status}: only a ${BOOKABLE.join(', ')} run can book a facility`,
    );
  }
  const within = `the days must lie within the run, ${run.startsOn} to ${run.endsOn}`;
  if (from < run.startsOn || from > run.endsOn)
    throw inputError('from', `from is ${from}: ${within}`);
  if (to < run.startsOn || to > run.endsOn) throw inputError('to', `to is ${to}: ${within}`);
}

/**
 * `bookFacility(runId, facilityId, from, to)`: books a Perpusnas facility for days of a run and
 * makes it the run's facility. The database refuses overlapping bookings of one facility (an
 * exclusion constraint), so two racing requests cannot both win; the loser gets CONFLICT naming
 * the booking in its way.
 */
export async function bookFacility(
  _: unknown,
  rawArgs: Record<string, unknown>,
  context: Context,
): Promise<BookingRow> {
  const { viewer } = context;
  requireRole(viewer, 'regional-operator');
  const args = parseArgs(BookFacilityArgs, rawArgs);
  if (args.to < args.from)
    throw inputError('to', `to (${args.to}) must be on or after from (${args.from})`);
  const run = await findRun(context.db, args.runId);
  if (!run) throw notFound('ProgramRun', args.runId);
  requireOwnOffice(viewer, run.provinceCode, `Run ${args.runId}`);
  await requireFacility(args.facilityId, 'facilityId', context);

  const result = await auditedTransaction(context.db, SCHEMA, viewer, async (manager, audit) => {
    const scope = {
      actor: actorOf(viewer),
      operation: 'bookFacility',
      clientKey: args.clientKey,
      input: args,
    };
    const { id } = await idempotentCreate(manager, SCHEMA, scope, async () => {
      const before = (await findRun(manager, args.runId, true))!;
      checkBookable(before, args.from, args.to);
      const booking: BookingRow = {
        id: randomUUID(),
        runId: args.runId,
        facilityId: args.facilityId,
        from: args.from,
        to: args.to,
      };
      // A failed statement spoils the transaction: the savepoint lets it read the booking in
      // the way before it gives up.
      await manager.query('SAVEPOINT book_facility');
      try {
        await insertBooking(manager, booking);
      } catch (error) {
        if (sqlState(error) !== '23P01') throw error;
        await manager.query('ROLLBACK TO SAVEPOINT book_facility');
        const clash = await overlappingBooking(manager, args.facilityId, args.from, args.to);
        throw userError(
          'CONFLICT',
          clash
            ? `Facility ${args.facilityId} is already booked from ${clash.from} to ${clash.to} (run ${clash.runId})`
            : `Facility ${args.facilityId} is already booked on some of the days from ${args.from} to ${args.to}`,
          {
            field: 'facilityId',
            bookedFrom: clash?.from,
            bookedTo: clash?.to,
            runId: clash?.runId,
          },
        );
      }
      await manager.query('RELEASE SAVEPOINT book_facility');
      await manager.query(
        `UPDATE bpsdm_regional.program_run SET facility_id = $2, version = version + 1
          WHERE id = $1`,
        [args.runId, args.facilityId],
      );
      const after = (await findRun(manager, args.runId))!;
      await audit({
        action: 'bookFacility',
        entity: 'FacilityBooking',
        entityId: booking.id,
        before: null,
        after: booking,
      });
      await audit({
        action: 'bookFacility',
        entity: 'ProgramRun',
        entityId: args.runId,
        before: plainRun(before),
        after: plainRun(after),
      });
      return booking.id;
    });
    const booking = await findBooking(manager, id);
    // A retry of a booking whose run was cancelled since: the booking was released.
    if (!booking) throw notFound('FacilityBooking', id);
    const runAfter = (await findRun(manager, booking.runId))!;
    return { booking, run: plainRun(runAfter) };
  });
  refreshRun(context, result.run);
  return result.booking;
}
