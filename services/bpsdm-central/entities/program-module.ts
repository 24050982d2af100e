import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A module of a program's curriculum. */
@Entity({ schema: 'bpsdm_central', name: 'program_module' })
export class ProgramModule {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'program_id' })
  programId: string;

  @Column('int')
  position: number;

  @Column('text')
  title: string;

  @Column('int', { name: 'lesson_hours' })
  lessonHours: number;
}
