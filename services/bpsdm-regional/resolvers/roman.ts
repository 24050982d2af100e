const NUMERALS: [number, string][] = [
  [1000, 'M'],
  [900, 'CM'],
  [500, 'D'],
  [400, 'CD'],
  [100, 'C'],
  [90, 'XC'],
  [50, 'L'],
  [40, 'XL'],
  [10, 'X'],
  [9, 'IX'],
  [5, 'V'],
  [4, 'IV'],
  [1, 'I'],
];

/** A positive whole number in Roman numerals, as batches are written: 19 → `XIX`. */
export function toRoman(value: number): string {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Only positive whole numbers have Roman numerals, got ${value}`);
  }
  let rest = value;
  let roman = '';
  for (const [amount, numeral] of NUMERALS) {
    while (rest >= amount) {
      roman += numeral;
      rest -= amount;
    }
  }
  return roman;
}
