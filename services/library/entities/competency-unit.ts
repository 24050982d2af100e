import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A competency unit (*unit kompetensi*) of a certification scheme. */
@Entity({ schema: 'library', name: 'competency_unit' })
export class CompetencyUnit {
  @PrimaryColumn('text', { name: 'scheme_code' })
  schemeCode: string;

  @PrimaryColumn('text')
  code: string;

  @Column('text')
  title: string;

  @Column('int')
  position: number;
}
