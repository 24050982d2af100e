import { nipProblem } from '@coop/common';
import type { DataSource } from 'typeorm';

/** A stored NIP whose structure does not hold, without the NIP itself (personal data). */
export interface InvalidNip {
  librarianId: string;
  provinceCode: string;
  problem: string;
}

/**
 * The librarians whose stored NIP fails the structure check (decision 28): rows written before
 * the check, kept and readable as they are until a person corrects them; nothing is changed.
 */
export async function invalidNips(db: DataSource, today: string): Promise<InvalidNip[]> {
  const rows: { id: string; nip: string; province_code: string }[] = await db.query(
    'SELECT id, nip, province_code FROM library.librarian ORDER BY province_code, id',
  );
  return rows.flatMap((row) => {
    const problem = nipProblem(row.nip.trim(), today);
    return problem ? [{ librarianId: row.id, provinceCode: row.province_code, problem }] : [];
  });
}
