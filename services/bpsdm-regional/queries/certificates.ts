import type { EntityManager } from 'typeorm';

type Sql = Pick<EntityManager, 'query'>;

/** A completion certificate (*STTPP*) number: `STTPP/32/2026/00042`. */
export function certificateNumber(provinceCode: string, year: number, sequence: number): string {
  return `STTPP/${provinceCode}/${year}/${String(sequence).padStart(5, '0')}`;
}

/**
 * Takes the next certificate number of a province and year, inside the caller's transaction.
 * The counter row is bumped with `UPDATE … RETURNING`: concurrent transactions queue on its row
 * lock and each gets a number of its own; a rolled-back transaction gives its number back. The
 * first number of a province and year continues after the highest one already given (by the
 * seed, or before the counter existed); two transactions creating the same counter row meet in
 * `ON CONFLICT`, where the second waits for the first and then bumps its row.
 */
export async function nextCertificateNumber(
  sql: Sql,
  provinceCode: string,
  year: number,
): Promise<string> {
  // TypeORM answers an UPDATE with [rows, rowCount].
  const [bumped] = (await sql.query(
    `UPDATE bpsdm_regional.certificate_counter SET last = last + 1
      WHERE province_code = $1 AND year = $2
      RETURNING last`,
    [provinceCode, year],
  )) as [{ last: number }[], number];
  let last = bumped[0]?.last;
  if (last === undefined) {
    const created: { last: number }[] = await sql.query(
      `INSERT INTO bpsdm_regional.certificate_counter AS c (province_code, year, last)
       SELECT $1, $2, coalesce(max(split_part(e.completion_certificate_number, '/', 4)::int), 0) + 1
         FROM bpsdm_regional.enrolment e
        WHERE e.completion_certificate_number LIKE $3
          AND split_part(e.completion_certificate_number, '/', 4) ~ '^[0-9]{1,9}$'
       ON CONFLICT (province_code, year)
         DO UPDATE SET last = c.last + 1
       RETURNING last`,
      [provinceCode, year, `STTPP/${provinceCode}/${year}/%`],
    );
    last = created[0]!.last;
  }
  return certificateNumber(provinceCode, year, last);
}
