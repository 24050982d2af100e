import { toRoman } from '../../../services/bpsdm-regional/resolvers/roman';

describe('toRoman', () => {
  it.each([
    [1, 'I'],
    [4, 'IV'],
    [9, 'IX'],
    [14, 'XIV'],
    [19, 'XIX'],
    [40, 'XL'],
    [90, 'XC'],
    [400, 'CD'],
    [1994, 'MCMXCIV'],
    [2026, 'MMXXVI'],
    [3999, 'MMMCMXCIX'],
  ])('writes %i as %s', (value, roman) => {
    expect(toRoman(value)).toBe(roman);
  });

  it.each([0, -3, 2.5, Number.NaN])('refuses %p', (value) => {
    expect(() => toRoman(value)).toThrow(RangeError);
  });
});
