import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';

/** How far one IT initiative has come in one province: one row per initiative and province. */
@Entity({ schema: 'library', name: 'it_rollout' })
export class ItRollout {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'initiative_code' })
  initiativeCode: string;

  @Column('char', { name: 'province_code', length: 2 })
  provinceCode: string;

  @Column('text')
  status: 'PLANNED' | 'PILOTING' | 'IN_USE';

  @Column('int', { name: 'libraries_using' })
  librariesUsing: number;

  @Column('int', { name: 'libraries_total', nullable: true })
  librariesTotal: number | null;

  @Column('boolean', { name: 'has_forum' })
  hasForum: boolean;

  @Column('date', { nullable: true })
  since: string | null;

  @VersionColumn()
  version: number;
}
