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

/**
 * Masks a name for public display: each word keeps its first letter (`Siti Rahayu` →
 * `S*** R*****`), enough to recognise one's own certificate, not to identify a stranger.
 */
export function maskName(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word[0] + '*'.repeat(Math.max(word.length - 1, 1)))
    .join(' ');
}
