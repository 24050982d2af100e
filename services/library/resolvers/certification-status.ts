import type { Certification } from '../entities';

export type CertificationStatus = 'VALID' | 'EXPIRED' | 'REVOKED' | 'NOT_ISSUED';

/** The standing of a certificate on a given day. */
export function certificationStatus(
  certification: Pick<Certification, 'result' | 'revokedOn' | 'expiresOn'>,
  on: string,
): CertificationStatus {
  if (certification.result !== 'COMPETENT' || certification.expiresOn === null) return 'NOT_ISSUED';
  if (certification.revokedOn !== null && certification.revokedOn <= on) return 'REVOKED';
  if (certification.expiresOn < on) return 'EXPIRED';
  return 'VALID';
}

/** How many stars follow the initial, whatever the name: its length and words stay unknown. */
export const NAME_MASK = '*****';

/**
 * Masks a name for public display (decision 13): the first letter of the first word and a
 * mask of fixed length (`Siti Rahayu` → `S*****`), enough for a verifier holding the
 * certificate and its holder to see they agree, without the name's other initials, word count
 * or word lengths.
 */
export function maskName(name: string): string {
  const initial = name.trim()[0];
  return initial ? `${initial.toUpperCase()}${NAME_MASK}` : NAME_MASK;
}
