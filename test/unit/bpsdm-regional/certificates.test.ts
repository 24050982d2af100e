import { certificateNumber } from '../../../services/bpsdm-regional/queries/certificates';

describe('completion certificate numbers (STTPP)', () => {
  it('write province, year and a five-digit number', () => {
    expect(certificateNumber('32', 2026, 1)).toBe('STTPP/32/2026/00001');
    expect(certificateNumber('91', 2025, 4217)).toBe('STTPP/91/2025/04217');
    expect(certificateNumber('11', 2027, 99999)).toBe('STTPP/11/2027/99999');
  });
});
