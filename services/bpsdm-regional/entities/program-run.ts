import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';

export type RunStatus = 'PLANNED' | 'OPEN' | 'ONGOING' | 'COMPLETED' | 'CANCELLED';

/** One run (batch, *angkatan*) of a training program held by a regional office. */
@Entity({ schema: 'bpsdm_regional', name: 'program_run' })
@Index(['officeId', 'programId', 'batch'], { unique: true })
@Index(['officeId', 'startsOn'])
export class ProgramRun {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'office_id' })
  officeId: string;

  /** A TrainingProgram of the bpsdm-central subgraph: a reference, not a foreign key. */
  @Index()
  @Column('uuid', { name: 'program_id' })
  programId: string;

  /** Batch number (*angkatan*) of the program at the office, from 1. */
  @Column('int')
  batch: number;

  @Index()
  @Column('date', { name: 'starts_on' })
  startsOn: string;

  @Column('date', { name: 'ends_on' })
  endsOn: string;

  @Column('int')
  quota: number;

  @Index()
  @Column('text')
  status: RunStatus;

  /** A Facility of the library subgraph: a reference, not a foreign key. */
  @Index()
  @Column('uuid', { name: 'facility_id', nullable: true })
  facilityId: string | null;

  @VersionColumn()
  version: number;
}
