import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';

/** A national IT service of Perpusnas for libraries (scope 4), e.g. INLISLite. */
@Entity({ schema: 'library', name: 'it_initiative' })
export class ItInitiative {
  @PrimaryColumn('uuid')
  id: string;

  /** The key the graph knows it by (`INLISLITE`); never changes once created. */
  @Column('text', { unique: true })
  code: string;

  @Column('text')
  name: string;

  @Column('text')
  kind: string;

  @Column('text')
  description: string;

  @Column('text')
  url: string;

  @VersionColumn()
  version: number;
}
