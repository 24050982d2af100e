import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';

/** A training program (*diklat / pelatihan*) of the national catalogue. */
@Entity({ schema: 'bpsdm_central', name: 'training_program' })
export class TrainingProgram {
  @PrimaryColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column('text')
  code: string;

  @Column('text')
  title: string;

  @Column('text')
  description: string;

  @Column('text')
  scope: string;

  @Column('text')
  mode: 'CLASSROOM' | 'ONLINE' | 'BLENDED';

  /** Sum of the modules' lesson hours (*JP*), kept in step when modules change. */
  @Column('int', { name: 'lesson_hours' })
  lessonHours: number;

  @Column('text', { name: 'target_level', nullable: true })
  targetLevel: string | null;

  /** An Agreement of the library subgraph: a reference, not a foreign key. */
  @Column('uuid', { name: 'agreement_id', nullable: true })
  agreementId: string | null;

  /** An ItInitiative of the library subgraph (scope INFORMATION_TECHNOLOGY only): a reference. */
  @Column('text', { name: 'initiative_code', nullable: true })
  initiativeCode: string | null;

  @VersionColumn()
  version: number;
}
