import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';

/** A librarian (*pustakawan*) in the national register. `nip` and `name` are personal data. */
@Entity({ schema: 'library', name: 'librarian' })
@Index(['provinceCode', 'level'])
export class Librarian {
  @PrimaryColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column('char', { length: 18 })
  nip: string;

  @Column('text')
  name: string;

  @Column('text')
  category: 'SKILLED' | 'EXPERT';

  @Column('text')
  level: string;

  @Column('text')
  grade: string;

  @Column('text')
  employer: string;

  @Column('char', { name: 'province_code', length: 2 })
  provinceCode: string;

  @VersionColumn()
  version: number;
}
