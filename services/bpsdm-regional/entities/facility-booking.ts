import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A Perpusnas facility booked for a program run, for whole days. The table's exclusion
 * constraint keeps two bookings of one facility from overlapping.
 */
@Entity({ schema: 'bpsdm_regional', name: 'facility_booking' })
export class FacilityBooking {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'run_id' })
  runId: string;

  /** A Facility of the library subgraph: a reference, not a foreign key. */
  @Column('uuid', { name: 'facility_id' })
  facilityId: string;

  /** The days booked, `[from, to]`; PostgreSQL returns it as `[from,to + 1)`. */
  @Column('daterange')
  during: string;

  @Column('timestamptz', { name: 'booked_at' })
  bookedAt: Date;
}
