import {
  buildSchema,
  parse,
  specifiedRules,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { numberLiteralRule, variableNumberProblem } from '@coop/common';

const schema = buildSchema(`
  scalar Date
  scalar Any
  enum Kind { MOU PKS Infinity }
  input Filter { score: Float, startsAfter: Date, scores: [Float!], kind: Kind }
  type Query { runs(first: Int, filter: Filter, id: ID, any: Any, kind: Kind): Int }
`);

const messagesOf = (query: string) =>
  validate(schema, parse(query), [...specifiedRules, numberLiteralRule])
    .map((error) => error.message)
    .filter((message) => !message.includes('cannot represent'));

describe('number literals', () => {
  it.each([
    ['{ runs(first: 1e400) }', 'first holds the number 1e400'],
    ['{ runs(filter: { score: -1e309 }) }', 'filter.score holds the number -1e309'],
    ['{ runs(filter: { startsAfter: 1E+400 }) }', 'filter.startsAfter holds the number 1E+400'],
    ['{ runs(filter: { scores: [1, 2e308] }) }', 'filter.scores holds the number 2e308'],
    [`{ runs(id: 1${'0'.repeat(400)}) }`, 'id holds the number 100000000000… (401 characters)'],
    ['{ runs(any: { id: 1e400 }) }', 'any.id holds the number 1e400'],
    ['query ($v: Float = 1e400) { runs(filter: { score: $v }) }', '$v holds the number 1e400'],
    ['{ __typename @include(if: 1e400) }', 'if holds the number 1e400'],
    ['{ runs(filter: { score: NaN }) }', 'filter.score holds NaN, which is no number'],
    ['{ runs(first: Infinity) }', 'first holds Infinity, which is no number'],
    ['{ runs(any: inf) }', 'any holds inf, which is no number'],
  ])('refuses %s, naming where it is', (query, message) => {
    expect(messagesOf(query)).toEqual([expect.stringContaining(message)]);
  });

  it('says what to send instead, by the type expected', () => {
    expect(messagesOf('{ runs(first: 1e400) }')[0]).toMatch(/send an Int from -2147483648/);
    expect(messagesOf('{ runs(filter: { score: 1e400 }) }')[0]).toMatch(/send a finite number/);
    expect(messagesOf('{ runs(filter: { startsAfter: 1e400 }) }')[0]).toMatch(/YYYY-MM-DD/);
  });

  it('lets every number a double holds through, and an enum value named Infinity', () => {
    for (const query of [
      '{ runs(filter: { score: 1.7976931348623157e308 }) }',
      '{ runs(filter: { score: -1e308, scores: [1e-400, 0, -0.5] }) }',
      '{ runs(first: 3, id: 123456789012345678901234567890) }',
      '{ runs(kind: Infinity, filter: { kind: Infinity }) }',
    ]) {
      expect(messagesOf(query)).toEqual([]);
    }
  });
});

describe('numbers in the variables', () => {
  const problemOf = (query: string, variables: Record<string, unknown>) => {
    const operation = parse(query).definitions[0] as OperationDefinitionNode;
    return variableNumberProblem(schema, operation, variables);
  };

  it('finds a number JSON read as Infinity, however deep, with its path', () => {
    const query = 'query ($f: Filter, $n: Int, $a: Any) { runs(first: $n, filter: $f, any: $a) }';
    expect(problemOf(query, JSON.parse('{"n": 1e400}'))).toEqual({
      field: '$n',
      message: expect.stringContaining('send an Int from -2147483648 to 2147483647'),
    });
    expect(problemOf(query, JSON.parse('{"f": {"scores": [1, -1e400]}}'))).toEqual({
      field: '$f.scores',
      message: expect.stringContaining('send a finite number, such as 72.5'),
    });
    expect(problemOf(query, JSON.parse('{"f": {"startsAfter": 1e309}}'))?.message).toMatch(
      /^\$f\.startsAfter holds a number beyond .*YYYY-MM-DD$/,
    );
    expect(problemOf(query, JSON.parse('{"a": [{"id": 1e400}]}'))?.field).toBe('$a.id');
  });

  it('lets finite numbers, strings and undeclared variables be', () => {
    const query = 'query ($f: Filter, $n: Int) { runs(first: $n, filter: $f) }';
    expect(problemOf(query, { n: 1e308, f: { score: 'Infinity' }, other: Infinity })).toBeNull();
  });
});
