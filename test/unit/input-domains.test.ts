import fc from 'fast-check';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import {
  cursorOffset,
  encodeCursor,
  inputProblem,
  MAX_CURSOR_OFFSET,
  operationNotFound,
  YEAR_SPAN,
} from '@coop/common';

const schema = buildSchema(`
  scalar Date
  input Filter { startsAfter: Date, provinceCode: String, tags: [String!] }
  type Stats { runs: Int }
  type Query {
    runs(filter: Filter, first: Int, after: String): Int
    stats(year: Int): Stats
    office(provinceCode: String!): Int
  }
`);

function problemOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return inputProblem(schema, document, operation, variables);
}

describe('cursors', () => {
  it('decode every cursor this API hands out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_CURSOR_OFFSET }), (offset) => {
        expect(cursorOffset(encodeCursor(offset))).toBe(offset);
      }),
    );
  });

  it('decode nothing but those cursors, spelt exactly so', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const offset = cursorOffset(text);
        if (offset !== null) expect(encodeCursor(offset)).toBe(text);
      }),
    );
    for (const text of ['offset:-1', 'offset:1e20', 'offset:01', 'offset:2147483647', 'x']) {
      expect(cursorOffset(Buffer.from(text).toString('base64url'))).toBeNull();
    }
  });
});

describe('input domains', () => {
  it('refuses NUL in any string, literal or variable, however deep', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        const value = `${before}\u0000${after}`;
        expect(problemOf('query ($v: String!) { office(provinceCode: $v) }', { v: value })).toEqual(
          expect.objectContaining({ field: 'provinceCode' }),
        );
        expect(problemOf(`{ runs(filter: { tags: ["a", ${JSON.stringify(value)}] }) }`)).toEqual(
          expect.objectContaining({ field: 'filter.tags' }),
        );
      }),
    );
  });

  it('refuses impossible dates and accepts real ones', () => {
    const query = 'query ($d: Date) { runs(filter: { startsAfter: $d }) }';
    expect(problemOf(query, { d: '2025-02-30' })?.field).toBe('filter.startsAfter');
    expect(problemOf(query, { d: '2024-02-29' })).toBeNull();
    expect(problemOf('{ runs(filter: { startsAfter: "2025-04-31" }) }')?.message).toMatch(
      /calendar date/,
    );
  });

  it("refuses a Date that is no string: the gateway's own Date lets any value through", () => {
    const query = 'query ($d: Date) { runs(filter: { startsAfter: $d }) }';
    expect(problemOf(query, { d: 20250309 })?.message).toMatch(/in quotes, written YYYY-MM-DD/);
    expect(problemOf(query, { d: ['2025-03-09'] })?.field).toBe('filter.startsAfter');
    for (const literal of ['5', '1.5', 'true', 'MOU', '{ day: 9 }', '["2025-03-09"]']) {
      expect(problemOf(`{ runs(filter: { startsAfter: ${literal} }) }`)?.field).toBe(
        'filter.startsAfter',
      );
    }
  });

  it('accepts years within the span only', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (year) => {
        const inSpan = year >= YEAR_SPAN.min && year <= YEAR_SPAN.max;
        const problem = problemOf('query ($y: Int) { stats(year: $y) { runs } }', { y: year });
        expect(problem === null).toBe(inSpan);
      }),
    );
  });

  it('refuses an after that is no cursor, but not an empty one', () => {
    expect(problemOf('{ runs(after: "bm9wZQ") }')?.field).toBe('after');
    expect(problemOf('{ runs(after: "") }')).toBeNull();
    expect(problemOf(`{ runs(after: "${encodeCursor(40)}") }`)).toBeNull();
  });

  it('says which operation names a document offers', () => {
    const document = parse('query A { runs } query B { runs }');
    expect(operationNotFound(document, undefined).message).toMatch(/name the one.*operationName/);
    expect(operationNotFound(document, 'C').message).toMatch(/no operation named "C".*A, B/);
    expect(operationNotFound(document, 'C').extensions.http).toEqual({ status: 400 });
  });
});
