import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { knownOperationTypesRule } from '@coop/common';

const schema = buildSchema('type Query { runs: Int }');

const messagesOf = (query: string) =>
  validate(schema, parse(query), [...specifiedRules, knownOperationTypesRule]).map(
    (error) => error.message,
  );

describe('operation types', () => {
  it('refuses a subscription, named or not, wherever it is in the document', () => {
    expect(messagesOf('subscription { __typename }')).toEqual([
      'This operation is a subscription, and this API has no subscriptions: ask with a query instead, as often as you need fresh data',
    ]);
    expect(
      messagesOf(
        'query A { __typename } subscription Watch { ...F } fragment F on Query { __typename }',
      ),
    ).toEqual([expect.stringMatching(/^Operation Watch is a subscription/)]);
  });

  it('refuses a mutation where the schema has none, and lets queries be', () => {
    expect(messagesOf('mutation M { __typename }')).toEqual([
      expect.stringMatching(/^Operation M is a mutation/),
    ]);
    expect(messagesOf('query Q { runs }')).toEqual([]);
  });
});
