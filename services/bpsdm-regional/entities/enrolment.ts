import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';

export type EnrolmentStatus =
  'REGISTERED' | 'ATTENDING' | 'COMPLETED' | 'NOT_COMPLETED' | 'WITHDRAWN';

/** A librarian enrolled in a program run. Scores are personal data. */
@Entity({ schema: 'bpsdm_regional', name: 'enrolment' })
@Index(['runId', 'librarianId'], { unique: true })
export class Enrolment {
  @PrimaryColumn('uuid')
  id: string;

  @Index()
  @Column('uuid', { name: 'run_id' })
  runId: string;

  /** A Librarian of the library subgraph: a reference, not a foreign key. */
  @Index()
  @Column('uuid', { name: 'librarian_id' })
  librarianId: string;

  @Column('text')
  status: EnrolmentStatus;

  /** 0 to 100, once recorded. */
  @Column('numeric', { name: 'final_score', precision: 5, scale: 2, nullable: true })
  finalScore: number | null;

  @Column('int', { name: 'lesson_hours_earned', nullable: true })
  lessonHoursEarned: number | null;

  /** Number of the training completion certificate (*STTPP*); unique. */
  @Column('text', { name: 'completion_certificate_number', nullable: true, unique: true })
  completionCertificateNumber: string | null;

  @Column('date', { name: 'enrolled_on' })
  enrolledOn: string;

  @VersionColumn()
  version: number;
}
