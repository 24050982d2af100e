import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';

export type AgreementKind = 'MOU' | 'PKS';
/** What is stored; ACTIVE/EXPIRED/PENDING are computed from the dates of a SIGNED agreement. */
export type AgreementState = 'DRAFT' | 'SIGNED' | 'TERMINATED';

/** An MoU (*Nota Kesepahaman*) or a PKS (*Perjanjian Kerja Sama*). */
@Entity({ schema: 'library', name: 'agreement' })
export class Agreement {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  kind: AgreementKind;

  @Column('text')
  title: string;

  @Index()
  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId: string | null;

  @Column('date', { name: 'signed_on' })
  signedOn: string;

  @Column('text', { nullable: true })
  place: string | null;

  @Column('date', { name: 'valid_from' })
  validFrom: string;

  @Column('date', { name: 'valid_until', nullable: true })
  validUntil: string | null;

  @Column('text')
  state: AgreementState;

  @Column('text', { array: true })
  scopes: string[];

  @Column('date', { name: 'terminated_on', nullable: true })
  terminatedOn: string | null;

  @Column('text', { name: 'termination_reason', nullable: true })
  terminationReason: string | null;

  @VersionColumn()
  version: number;
}
