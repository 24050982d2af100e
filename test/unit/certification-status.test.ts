import {
  certificationStatus,
  maskName,
} from '../../services/library/resolvers/certification-status';

const issued = {
  result: 'COMPETENT' as const,
  expiresOn: '2027-05-01',
  revokedOn: null as string | null,
};

describe('certificationStatus', () => {
  it('is valid until the last day of validity, expired after', () => {
    expect(certificationStatus(issued, '2027-05-01')).toBe('VALID');
    expect(certificationStatus(issued, '2027-05-02')).toBe('EXPIRED');
  });

  it('is revoked from the day of revocation', () => {
    const revoked = { ...issued, revokedOn: '2025-01-10' };
    expect(certificationStatus(revoked, '2025-01-09')).toBe('VALID');
    expect(certificationStatus(revoked, '2025-01-10')).toBe('REVOKED');
  });

  it('is not issued when the candidate was not yet competent', () => {
    const notCompetent = { result: 'NOT_YET_COMPETENT' as const, expiresOn: null, revokedOn: null };
    expect(certificationStatus(notCompetent, '2025-01-01')).toBe('NOT_ISSUED');
  });
});

describe('maskName', () => {
  it('keeps the first letter only, then a mask of fixed length (decision 13)', () => {
    expect(maskName('Siti Rahayu')).toBe('S*****');
    expect(maskName('  budi ')).toBe('B*****');
    expect(maskName('A B')).toBe('A*****');
    // Neither the other initials, the number of words nor their lengths show.
    expect(maskName('Sri Ayu Wulandari Kusumaningrum')).toBe(maskName('Siti'));
  });
});
