import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import fc from 'fast-check';
import {
  getIntrospectionQuery,
  graphqlSync,
  parse,
  specifiedRules,
  validate,
  type GraphQLSchema,
  type IntrospectionOptions,
} from 'graphql';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { introspectionDepth, MAX_INTROSPECTION_DEPTH } from '../../gateway/introspection-depth';
import { operationCost, validationRules } from '../../gateway/limits';
import { enforcedSupergraph } from '../../gateway/access';

/** The defaults of limitsFromEnv(), whatever the environment of this run says. */
const DEFAULTS = {
  maxDepth: 12,
  maxAliases: 30,
  maxCost: 100_000,
  maxRootFields: 20,
  maxBodyBytes: 100_000,
  maxBatchOperations: 10,
  introspection: true,
  subgraphTimeoutMs: 5000,
};

let apiSchema: GraphQLSchema;
beforeAll(async () => {
  const gateway = new ApolloGateway({
    supergraphSdl: enforcedSupergraph(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')),
  });
  apiSchema = (await gateway.load()).schema;
  await gateway.stop();
});

function check(query: string) {
  const document = parse(query);
  const errors = validate(apiSchema, document, [...specifiedRules, ...validationRules(DEFAULTS)]);
  return {
    errors: errors.map((error) => error.message),
    cost: operationCost(apiSchema, document, undefined, {}),
  };
}

const options = fc.record<IntrospectionOptions>({
  descriptions: fc.boolean(),
  specifiedByUrl: fc.boolean(),
  directiveIsRepeatable: fc.boolean(),
  schemaDescription: fc.boolean(),
  inputValueDeprecation: fc.boolean(),
  oneOf: fc.boolean(),
  typeDepth: fc.integer({ min: 0, max: 9 }),
});

describe('introspection under the default limits', () => {
  it('passes graphql-js’s standard query with any options (GraphiQL, Code Generator, CLIs)', () => {
    fc.assert(
      fc.property(options, (chosen) => {
        const { errors, cost } = check(getIntrospectionQuery(chosen));
        expect(errors).toEqual([]);
        expect(cost).toBeLessThanOrEqual(DEFAULTS.maxCost);
      }),
      { numRuns: 60 },
    );
  });

  it('counts the standard query at no more than three times the values it returns', () => {
    const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });
    let values = 0;
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const inner of Object.values(value)) {
          values += 1;
          walk(inner);
        }
      }
    };
    walk(graphqlSync({ schema: apiSchema, source: query }).data);
    const { cost } = check(query);
    expect(cost).toBeGreaterThanOrEqual(values);
    expect(cost).toBeLessThanOrEqual(3 * values);
  });

  it('refuses ofType chains deeper than the standard query, however they are written', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 60 }), fc.boolean(), (levels, viaType) => {
        const chain = `${'ofType { '.repeat(levels)}name${' }'.repeat(levels)}`;
        const query = viaType
          ? `{ __type(name: "Query") { fields { type { ${chain} } } } }`
          : `query { ...Deep } fragment Deep on Query { __schema { types { fields { args { type { ${chain} } } } } } }`;
        const { errors } = check(query);
        // `__type` also counts toward MAX_QUERY_DEPTH (GraphQL Armor leaves only `__schema` out).
        expect(errors.join('\n')).toMatch(
          /Introspection \d+ levels deep; at most \d+|Query depth limit of 12 exceeded/,
        );
      }),
      { numRuns: 40 },
    );
  });

  it('bounds introspection to the depth of the standard query', () => {
    expect(MAX_INTROSPECTION_DEPTH).toBe(
      introspectionDepth(parse(getIntrospectionQuery({ inputValueDeprecation: true }))),
    );
    expect(MAX_INTROSPECTION_DEPTH).toBeLessThan(20);
  });

  it('counts schema walks in circles and aliased copies beyond the cost limit', () => {
    const full = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });
    // The query's own selection, without the operation's closing brace.
    const body = full.slice(full.indexOf('__schema'), full.indexOf('fragment FullType'));
    const schemaSelection = body.trim().slice(0, -1);
    const copies = Array.from({ length: 20 }, (_, i) => `c${i}: ${schemaSelection}`).join('\n');
    const aliased = `query Copies {\n${copies}\n}\n${full.slice(full.indexOf('fragment FullType'))}`;
    expect(check(aliased).cost).toBeGreaterThan(DEFAULTS.maxCost);
  });
});
