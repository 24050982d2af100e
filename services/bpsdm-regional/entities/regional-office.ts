import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A provincial BPSDM office (*BPSDM Provinsi*), one per province. */
@Entity({ schema: 'bpsdm_regional', name: 'regional_office' })
export class RegionalOffice {
  @PrimaryColumn('uuid')
  id: string;

  /** Kemendagri code of the province, e.g. `32`; unique. */
  @Column('char', { name: 'province_code', length: 2, unique: true })
  provinceCode: string;

  @Column('text', { name: 'province_name' })
  provinceName: string;

  @Column('text')
  name: string;

  /** The provincial capital, where the office sits. */
  @Column('text')
  city: string;
}
