import {
  agreementStatus,
  agreementStatusCondition,
} from '../../services/library/resolvers/agreement-status';

const signed = { state: 'SIGNED' as const, validFrom: '2022-03-09', validUntil: '2027-03-08' };

describe('agreementStatus', () => {
  it('follows the validity period of a signed agreement', () => {
    expect(agreementStatus(signed, '2022-03-08')).toBe('PENDING');
    expect(agreementStatus(signed, '2022-03-09')).toBe('ACTIVE');
    expect(agreementStatus(signed, '2027-03-08')).toBe('ACTIVE');
    expect(agreementStatus(signed, '2027-03-09')).toBe('EXPIRED');
  });

  it('keeps an open-ended agreement active', () => {
    expect(agreementStatus({ ...signed, validUntil: null }, '2099-01-01')).toBe('ACTIVE');
  });

  it('reports drafts and terminated agreements whatever the date', () => {
    expect(agreementStatus({ ...signed, state: 'DRAFT' }, '2024-01-01')).toBe('DRAFT');
    expect(agreementStatus({ ...signed, state: 'TERMINATED' }, '2024-01-01')).toBe('TERMINATED');
  });

  it('has an SQL twin for every status', () => {
    expect(agreementStatusCondition('ACTIVE', ':today')).toContain('a.valid_until >= :today');
    expect(agreementStatusCondition('EXPIRED', ':today')).toBe(
      "a.state = 'SIGNED' AND a.valid_until < :today",
    );
    expect(agreementStatusCondition('TERMINATED', ':today')).toBe("a.state = 'TERMINATED'");
  });
});
