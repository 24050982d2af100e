import type { BookingRow } from '../queries/writes';
import type { Context } from './context';

export const facilityBookingResolvers = {
  run: (booking: BookingRow, _: unknown, { loaders }: Context) => loaders.run.load(booking.runId),
  /** Owned by library: a reference the gateway resolves there. */
  facility: (booking: BookingRow) => ({ id: booking.facilityId }),
};
