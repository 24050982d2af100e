import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A competency assessment (*uji kompetensi*) and, when COMPETENT, its certificate. */
@Entity({ schema: 'library', name: 'certification' })
export class Certification {
  @PrimaryColumn('text')
  number: string;

  @Index()
  @Column('text', { name: 'scheme_code' })
  schemeCode: string;

  @Index()
  @Column('uuid', { name: 'librarian_id' })
  librarianId: string;

  @Column('text')
  result: 'COMPETENT' | 'NOT_YET_COMPETENT';

  @Column('date', { name: 'assessed_on' })
  assessedOn: string;

  @Column('date', { name: 'issued_on', nullable: true })
  issuedOn: string | null;

  @Column('date', { name: 'expires_on', nullable: true })
  expiresOn: string | null;

  @Column('date', { name: 'revoked_on', nullable: true })
  revokedOn: string | null;

  @Column('text', { name: 'revocation_reason', nullable: true })
  revocationReason: string | null;

  /** A ProgramRun of the bpsdm-regional subgraph: a reference, not a foreign key. */
  @Column('uuid', { name: 'run_id', nullable: true })
  runId: string | null;
}
