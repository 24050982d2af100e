import fc from 'fast-check';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import {
  addYears,
  composeNip,
  inputProblem,
  NIP_EARLIEST_BIRTH,
  nipProblem,
  SCALE_PLANS,
  validate,
  type NipParts,
} from '@coop/common';
import { librarianRows } from '../../services/library/seed/generate';

const TODAY = '2026-11-25';
const DAY = 86_400_000;

const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`);
const monthNumber = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5)) - 1;
const monthOf = (number: number) =>
  `${Math.floor(number / 12)}-${String((number % 12) + 1).padStart(2, '0')}`;

/** A day from `from` to `to` (`YYYY-MM-DD`, both included). */
const dayBetween = (from: string, to: string) =>
  fc
    .integer({ min: dayNumber(from) / DAY, max: dayNumber(to) / DAY })
    .map((day) => isoDay(day * DAY));

/** Valid parts on TODAY: born 1940 or later and 18 or older, appointed since the 18th birthday. */
const validParts: fc.Arbitrary<NipParts> = dayBetween(
  NIP_EARLIEST_BIRTH,
  addYears(TODAY, -18),
).chain((birthDate) =>
  fc.record({
    birthDate: fc.constant(birthDate),
    appointment: fc
      .integer({
        min: monthNumber(addYears(birthDate, 18).slice(0, 7)),
        max: monthNumber(TODAY.slice(0, 7)),
      })
      .map(monthOf),
    sex: fc.constantFrom(1 as const, 2 as const),
    serial: fc.integer({ min: 1, max: 999 }),
  }),
);

const validNip = validParts.map(composeNip);

/** `nip` with the digits from `start` (0-based) replaced by `digits`. */
const replace = (nip: string, start: number, digits: string) =>
  nip.slice(0, start) + digits + nip.slice(start + digits.length);

const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });

describe('NIP structure (decision 28)', () => {
  it('accepts every NIP whose parts hold', () => {
    fc.assert(fc.property(validNip, (nip) => expect(nipProblem(nip, TODAY)).toBeNull()));
    // Born on 29 February: the 18th birthday's month is February all the same.
    expect(nipProblem('200002292018021001', TODAY)).toBeNull();
    expect(
      nipProblem(
        composeNip({ birthDate: '1940-01-01', appointment: '1958-01', sex: 1, serial: 999 }),
        TODAY,
      ),
    ).toBeNull();
  });

  it('refuses anything but 18 digits', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !/^\d{18}$/.test(text)),
        (text) => expect(nipProblem(text, TODAY)).toMatch(/^must be the 18 digits of the NIP/),
      ),
    );
    expect(nipProblem('19900101 201501 1 001', TODAY)).toMatch(/not all digits/);
  });

  it('refuses a birth date that is no calendar date, before 1940 or after today', () => {
    const birth = /^digits 1–8 are the birth date \(YYYYMMDD\): /;
    const noDate = digits(8).filter((text) => {
      const date = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`;
      return Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || isoDay(dayNumber(date)) !== date;
    });
    fc.assert(
      fc.property(validNip, noDate, (nip, broken) => {
        expect(nipProblem(replace(nip, 0, broken), TODAY)).toMatch(
          new RegExp(`${birth.source}${broken} is no calendar date$`),
        );
      }),
    );
    const outside = fc.oneof(
      dayBetween('1000-01-01', '1939-12-31'),
      dayBetween('2026-11-26', '9999-12-31'),
    );
    fc.assert(
      fc.property(validNip, outside, (nip, date) => {
        expect(nipProblem(replace(nip, 0, date.replaceAll('-', '')), TODAY)).toMatch(
          new RegExp(`${birth.source}${date} is (before 1940-01-01|after today \\(${TODAY}\\))$`),
        );
      }),
    );
    expect(nipProblem('199002302015011001', TODAY)).toBe(
      'digits 1–8 are the birth date (YYYYMMDD): 19900230 is no calendar date',
    );
  });

  it('refuses an appointment month that is not 01–12, before the 18th birthday or after this month', () => {
    const appointment = 'digits 9–14 are the appointment as CPNS (TMT CPNS, YYYYMM): ';
    const badMonth = fc.oneof(fc.constant('00'), fc.integer({ min: 13, max: 99 }).map(String));
    fc.assert(
      fc.property(validNip, badMonth, (nip, month) => {
        expect(nipProblem(replace(nip, 12, month), TODAY)).toBe(
          `${appointment}month ${month} is not 01–12`,
        );
      }),
    );
    const tooEarly = validParts.chain((parts) =>
      fc
        .integer({
          min: 1940 * 12,
          max: monthNumber(addYears(parts.birthDate, 18).slice(0, 7)) - 1,
        })
        .map((month) => ({ ...parts, appointment: monthOf(month) })),
    );
    fc.assert(
      fc.property(tooEarly, (parts) => {
        expect(nipProblem(composeNip(parts), TODAY)).toBe(
          `${appointment}${parts.appointment} is before the month of the 18th birthday (${addYears(parts.birthDate, 18).slice(0, 7)})`,
        );
      }),
    );
    const tooLate = validParts.chain((parts) =>
      fc
        .integer({ min: monthNumber('2026-12'), max: monthNumber('9999-12') })
        .map((month) => ({ ...parts, appointment: monthOf(month) })),
    );
    fc.assert(
      fc.property(tooLate, (parts) => {
        expect(nipProblem(composeNip(parts), TODAY)).toBe(
          `${appointment}${parts.appointment} is after this month (2026-11)`,
        );
      }),
    );
    expect(nipProblem('202313992045011001', TODAY)).toBe(
      'digits 1–8 are the birth date (YYYYMMDD): 20231399 is no calendar date',
    );
    expect(nipProblem('199001012015131001', TODAY)).toBe(`${appointment}month 13 is not 01–12`);
  });

  it('refuses a sex digit other than 1 or 2, and serial 000', () => {
    fc.assert(
      fc.property(validNip, fc.constantFrom(...'03456789'), (nip, sex) => {
        expect(nipProblem(replace(nip, 14, sex), TODAY)).toBe(
          `digit 15 is the sex (1 male, 2 female): ${sex} is neither`,
        );
      }),
    );
    fc.assert(
      fc.property(validNip, (nip) => {
        expect(nipProblem(replace(nip, 15, '000'), TODAY)).toBe(
          'digits 16–18 are the serial number (001–999): 000 is none',
        );
      }),
    );
  });

  it('is the check of every input named nip, argument or input field, and of the writes', () => {
    const schema = buildSchema(`
      input Person { nip: String!, name: String }
      type Query { byNip(nip: String!): Int, register(input: Person!): Int, other(code: String): Int }
    `);
    const problem = (text: string, variables: Record<string, unknown> = {}) => {
      const document = parse(text);
      return inputProblem(
        schema,
        document,
        document.definitions[0] as OperationDefinitionNode,
        variables,
      );
    };
    const pinned = process.env.TODAY;
    process.env.TODAY = TODAY;
    try {
      expect(
        problem('query ($n: String!) { byNip(nip: $n) }', { n: '199001012015131001' }),
      ).toEqual({
        field: 'nip',
        message:
          'nip: digits 9–14 are the appointment as CPNS (TMT CPNS, YYYYMM): month 13 is not 01–12',
      });
      expect(problem('{ register(input: { nip: "199001012015012000" }) }')).toEqual({
        field: 'input.nip',
        message: 'input.nip: digits 16–18 are the serial number (001–999): 000 is none',
      });
      expect(
        problem('{ byNip(nip: "199001012015011001") other(code: "199001012015131001") }'),
      ).toBeNull();
      const parsed = validate.nip().safeParse('199001012015013001');
      expect(parsed.error?.issues[0]?.message).toBe(
        'digit 15 is the sex (1 male, 2 female): 3 is neither',
      );
    } finally {
      if (pinned === undefined) delete process.env.TODAY;
      else process.env.TODAY = pinned;
    }
  });
});

describe('the seed', () => {
  it.each(['small', 'large'] as const)('generates only valid, distinct NIPs (%s plan)', (scale) => {
    const nips = librarianRows(SCALE_PLANS[scale]).map((row) => row[1] as string);
    const invalid = nips
      .map((nip) => ({ nip, problem: nipProblem(nip, TODAY) }))
      .filter(({ problem }) => problem !== null);
    expect(invalid).toEqual([]);
    expect(new Set(nips).size).toBe(nips.length);
  });
});
