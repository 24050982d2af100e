import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A party (*pihak*) to an agreement, with the official who signed for it. */
@Entity({ schema: 'library', name: 'agreement_party' })
@Index(['agreementId', 'position'], { unique: true })
export class AgreementParty {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'agreement_id' })
  agreementId: string;

  /** Order of the party in the document: 1 is the first party. */
  @Column('int')
  position: number;

  @Column('text')
  role: 'FIRST' | 'SECOND' | 'THIRD';

  @Column('text')
  organization: string;

  @Column('text', { name: 'document_number', nullable: true })
  documentNumber: string | null;

  @Column('text', { name: 'signatory_name', nullable: true })
  signatoryName: string | null;

  @Column('text', { name: 'signatory_position', nullable: true })
  signatoryPosition: string | null;

  @Column('char', { name: 'province_code', length: 2, nullable: true })
  provinceCode: string | null;
}
