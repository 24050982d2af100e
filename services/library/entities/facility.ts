import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';

/** A Perpusnas facility (*sarana dan prasarana*). */
@Entity({ schema: 'library', name: 'facility' })
export class Facility {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  kind: string;

  @Column('int')
  capacity: number;

  @Column('text')
  address: string;

  @VersionColumn()
  version: number;
}
