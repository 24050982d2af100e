import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { testStack, tokenFor, uncachedText } from '../support/stack';

/**
 * Random operations built from the composed API schema, with random arguments — well-typed and
 * hostile alike — sent through the gateway by every kind of caller. Whatever comes back, it is
 * never a 5xx, never INTERNAL_SERVER_ERROR, and no message shows an internal URL, SQL or a stack.
 * Writes are sent as an analyst, who may write nothing, so the run changes no data.
 */

const hostileStrings = fc.oneof(
  fc.string(),
  fc.constantFrom('', '\u0000', 'a\u0000b', "'; DROP TABLE x; --", '𝕏'.repeat(50), '2025-02-30'),
  fc.constantFrom('0000-01-01', '9999-12-31', '2026-11-25', 'b2Zmc2V0OjE', 'not-a-uuid'),
  fc.uuid(),
);
const hostileInts = fc.oneof(
  fc.integer({ min: -5, max: 200 }),
  fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648, 1900, 2025, 9999),
);

/** A literal for an input type: mostly of the right shape, sometimes not at all. */
function literal(type: GraphQLInputType, depth: number): fc.Arbitrary<string> {
  if (isNonNullType(type)) return literal(type.ofType, depth);
  if (isListType(type)) {
    return fc
      .array(literal(type.ofType, depth + 1), { maxLength: depth > 2 ? 0 : 3 })
      .map((items) => `[${items.join(', ')}]`);
  }
  const wrong = fc.constantFrom('null', '"x"', '3', 'true', '{}', '[]');
  if (isEnumType(type)) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) },
      { weight: 1, arbitrary: wrong },
    );
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    if (depth > 2 || !fields.length) return fc.constant('{}');
    return fc
      .subarray(fields)
      .chain((chosen) =>
        fc.tuple(
          ...chosen.map((field) =>
            literal(field.type, depth + 1).map((v) => `${field.name}: ${v}`),
          ),
        ),
      )
      .map((pairs) => `{ ${pairs.join(', ')} }`);
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return fc.oneof(hostileInts.map(String), wrong);
      case 'Float':
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), wrong);
      case 'Boolean':
        return fc.oneof(fc.boolean().map(String), wrong);
      default:
        return fc.oneof(
          { weight: 4, arbitrary: hostileStrings.map((s) => JSON.stringify(s)) },
          { weight: 1, arbitrary: wrong },
        );
    }
  }
  return wrong;
}

function argumentsOf(args: readonly GraphQLArgument[], depth: number): fc.Arbitrary<string> {
  if (!args.length) return fc.constant('');
  return fc
    .subarray([...args])
    .chain((chosen) =>
      fc.tuple(...chosen.map((arg) => literal(arg.type, depth).map((v) => `${arg.name}: ${v}`))),
    )
    .map((pairs) => (pairs.length ? `(${pairs.join(', ')})` : ''));
}

/** A selection of `type`'s fields, each with random arguments, down to a few levels. */
function selection(type: GraphQLObjectType, depth: number): fc.Arbitrary<string> {
  const fields = Object.values(type.getFields()).filter((field) => !field.name.startsWith('_'));
  const scalarish = fields.filter((field) => !isObjectType(getNamedType(field.type)));
  const pickField = (field: GraphQLField<unknown, unknown>): fc.Arbitrary<string> => {
    const named = getNamedType(field.type);
    const args = argumentsOf(field.args, 0);
    if (!isObjectType(named)) return args.map((a) => `${field.name}${a}`);
    if (depth >= 3) return fc.constant('__typename');
    return fc
      .tuple(args, selection(named, depth + 1))
      .map(([a, inner]) => `${field.name}${a} { ${inner} }`);
  };
  const candidates = depth >= 3 && scalarish.length ? scalarish : fields;
  return fc
    .subarray(candidates, { minLength: 1, maxLength: Math.min(3, candidates.length) })
    .chain((chosen) => fc.tuple(...chosen.map(pickField)))
    .map((parts) => parts.join(' '));
}

function operation(schema: GraphQLSchema): fc.Arbitrary<{ text: string; write: boolean }> {
  const query = selection(schema.getQueryType()!, 0).map((s) => ({
    text: `{ ${s} }`,
    write: false,
  }));
  const mutationType = schema.getMutationType();
  if (!mutationType) return query;
  const mutation = fc
    .constantFrom(...Object.values(mutationType.getFields()))
    .chain((field) => {
      const named = getNamedType(field.type);
      return argumentsOf(field.args, 0).map(
        (a) => `mutation { ${field.name}${a}${isObjectType(named) ? ' { __typename }' : ''} }`,
      );
    })
    .map((text) => ({ text, write: true }));
  return fc.oneof({ weight: 3, arbitrary: query }, { weight: 1, arbitrary: mutation });
}

/** What no answer may show, whatever was asked. */
function problemsOf(status: number, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`HTTP ${status}`);
  if (text.includes('INTERNAL_SERVER_ERROR')) problems.push('INTERNAL_SERVER_ERROR');
  if (/https?:\/\/(localhost|127\.0\.0\.1)/.test(text)) problems.push('internal URL');
  if (/\b(SELECT|INSERT INTO|UPDATE \w+ SET|relation "|syntax error at or near)\b/.test(text)) {
    problems.push('SQL');
  }
  if (/\n\s+at |\\n\s+at |stacktrace/.test(text)) problems.push('stack');
  return problems;
}

describe('operations generated from the composed schema', () => {
  let schema: GraphQLSchema;
  const tokens: Record<string, string | undefined> = {};

  beforeAll(async () => {
    const gateway = new ApolloGateway({ supergraphSdl: fs.readFileSync(SUPERGRAPH_PATH, 'utf8') });
    schema = (await gateway.load()).schema;
    await gateway.stop();
    tokens.anonymous = undefined;
    tokens.analyst = await tokenFor('analyst');
    tokens.admin = await tokenFor('admin');
    tokens.operator = await tokenFor('regional-operator', '32');
  });

  it('never answer a 5xx, INTERNAL_SERVER_ERROR, an internal URL, SQL or a stack', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        operation(schema),
        fc.constantFrom('anonymous', 'analyst', 'admin', 'operator'),
        async ({ text, write }, caller) => {
          // Writes only as an analyst, who may write nothing: the data stays as it is.
          const token = write ? tokens.analyst : tokens[caller];
          const response = await fetch(testStack().gatewayUrl, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify({ query: write ? text : uncachedText(text) }),
          });
          const body = await response.text();
          const problems = problemsOf(response.status, body);
          if (problems.length)
            failures.push(`${problems.join(', ')}: ${text}\n→ ${body.slice(0, 300)}`);
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 300, seed: 20_261_125 },
    );
    expect(failures).toEqual([]);
  });
});
