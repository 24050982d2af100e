import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A certification scheme (*skema sertifikasi*) of LSP Pustakawan. */
@Entity({ schema: 'library', name: 'certification_scheme' })
export class CertificationScheme {
  @PrimaryColumn('text')
  code: string;

  @Column('text')
  name: string;

  @Column('text')
  standard: string;
}
