import { officeId, provinces } from '@coop/common';

export const OFFICE_COLUMNS = ['id', 'province_code', 'province_name', 'name', 'city'];

/** One office per province, in the provincial capital. */
export function officeRows(): unknown[][] {
  return provinces().map((province) => [
    officeId(province.code),
    province.code,
    province.name,
    `BPSDM Provinsi ${province.name}`,
    province.capital,
  ]);
}
