import type { Agreement } from '../entities';

export type AgreementStatus = 'DRAFT' | 'PENDING' | 'ACTIVE' | 'EXPIRED' | 'TERMINATED';

/** The status of an agreement on a given day (dates compare as `YYYY-MM-DD` strings). */
export function agreementStatus(
  agreement: Pick<Agreement, 'state' | 'validFrom' | 'validUntil'>,
  on: string,
): AgreementStatus {
  if (agreement.state !== 'SIGNED') return agreement.state;
  if (on < agreement.validFrom) return 'PENDING';
  if (agreement.validUntil !== null && on > agreement.validUntil) return 'EXPIRED';
  return 'ACTIVE';
}

/**
 * The same rule as SQL over table alias `a`, the day being parameter `day` (e.g. `$2`):
 * filtering by status happens in the database, not on rows loaded into Node.
 */
export function agreementStatusCondition(status: AgreementStatus, day: string): string {
  switch (status) {
    case 'DRAFT':
    case 'TERMINATED':
      return `a.state = '${status}'`;
    case 'PENDING':
      return `a.state = 'SIGNED' AND a.valid_from > ${day}`;
    case 'ACTIVE':
      return `a.state = 'SIGNED' AND a.valid_from <= ${day} AND (a.valid_until IS NULL OR a.valid_until >= ${day})`;
    case 'EXPIRED':
      return `a.state = 'SIGNED' AND a.valid_until < ${day}`;
  }
}
