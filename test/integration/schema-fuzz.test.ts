import fs from 'node:fs';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fc from 'fast-check';
import {
  getNamedType,
  parse,
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
import { asTheGateway, testStack, tokenFor, uncachedText } from '../support/stack';
import { enforcedSupergraph } from '../../gateway/access';

/**
 * Random operations built from the composed API schema, with random arguments — well-typed and
 * hostile alike — sent through the gateway by every kind of caller; then operations of every
 * type (query, mutation, subscription) holding numbers no double holds, NaN and Infinity in any
 * scalar or enum position, as literals and as variables, sent to the gateway and to each
 * subgraph directly (issue 17, item 7). Whatever comes back, it is never a 5xx, never
 * INTERNAL_SERVER_ERROR, no message shows an internal URL, SQL, a stack or a terminal's colour
 * codes, and every error of a 4xx carries a code. Writes are sent as an analyst, who may write
 * nothing, so the run changes no data.
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
/** A number no double holds: a huge exponent, either sign. */
const hugeExponent = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 309, max: 99_999 }),
  )
  .map(([sign, lead, exponent]) => `${sign}${lead}e${exponent}`);
/** Literals of numbers no double holds, and of NaN and Infinity as GraphQL may spell them. */
const hostileNumberLiterals = fc.oneof(
  hugeExponent,
  fc.constantFrom('1e400', '-1e400', '1e309', '1E+400', `1${'0'.repeat(400)}`, '-1.8e308'),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', 'nan', '"NaN"', '"Infinity"', '"1e400"'),
);
/** The same as a variable's JSON: numbers JSON.parse reads as ±Infinity, and strings. */
const hostileNumberJson = fc.oneof(
  hugeExponent,
  fc.constantFrom('1e400', '-1e400', '1e309', `1${'0'.repeat(400)}`, '[1e400]', '{"id":1e400}'),
  fc.constantFrom('"NaN"', '"Infinity"', '"-Infinity"', '"1e400"'),
);

/**
 * A literal for an input type: mostly of the right shape, sometimes not at all; `hostile`, a
 * third of its scalars and enums are a hostile number instead.
 */
function literal(type: GraphQLInputType, depth: number, hostile = false): fc.Arbitrary<string> {
  if (isNonNullType(type)) return literal(type.ofType, depth, hostile);
  if (isListType(type)) {
    return fc
      .array(literal(type.ofType, depth + 1, hostile), { maxLength: depth > 2 ? 0 : 3 })
      .map((items) => `[${items.join(', ')}]`);
  }
  const wrong = fc.constantFrom('null', '"x"', '3', 'true', '{}', '[]');
  const orNumber = (arbitrary: fc.Arbitrary<string>) =>
    hostile
      ? fc.oneof({ weight: 2, arbitrary }, { weight: 1, arbitrary: hostileNumberLiterals })
      : arbitrary;
  if (isEnumType(type)) {
    return orNumber(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) },
        { weight: 1, arbitrary: wrong },
      ),
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
            literal(field.type, depth + 1, hostile).map((v) => `${field.name}: ${v}`),
          ),
        ),
      )
      .map((pairs) => `{ ${pairs.join(', ')} }`);
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return orNumber(fc.oneof(hostileInts.map(String), wrong));
      case 'Float':
        return orNumber(
          fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), wrong),
        );
      case 'Boolean':
        return orNumber(fc.oneof(fc.boolean().map(String), wrong));
      default:
        return orNumber(
          fc.oneof(
            { weight: 4, arbitrary: hostileStrings.map((s) => JSON.stringify(s)) },
            { weight: 1, arbitrary: wrong },
          ),
        );
    }
  }
  return wrong;
}

function argumentsOf(
  args: readonly GraphQLArgument[],
  depth: number,
  hostile = false,
): fc.Arbitrary<string> {
  if (!args.length) return fc.constant('');
  return fc
    .subarray([...args])
    .chain((chosen) =>
      fc.tuple(
        ...chosen.map((arg) => literal(arg.type, depth, hostile).map((v) => `${arg.name}: ${v}`)),
      ),
    )
    .map((pairs) => (pairs.length ? `(${pairs.join(', ')})` : ''));
}

/** A selection of `type`'s fields, each with random arguments, down to a few levels. */
function selection(type: GraphQLObjectType, depth: number, hostile = false): fc.Arbitrary<string> {
  const fields = Object.values(type.getFields()).filter((field) => !field.name.startsWith('_'));
  const scalarish = fields.filter((field) => !isObjectType(getNamedType(field.type)));
  const pickField = (field: GraphQLField<unknown, unknown>): fc.Arbitrary<string> => {
    const named = getNamedType(field.type);
    const args = argumentsOf(field.args, 0, hostile);
    if (!isObjectType(named)) return args.map((a) => `${field.name}${a}`);
    if (depth >= 3) return fc.constant('__typename');
    return fc
      .tuple(args, selection(named, depth + 1, hostile))
      .map(([a, inner]) => `${field.name}${a} { ${inner} }`);
  };
  const candidates = depth >= 3 && scalarish.length ? scalarish : fields;
  return fc
    .subarray(candidates, { minLength: 1, maxLength: Math.min(3, candidates.length) })
    .chain((chosen) => fc.tuple(...chosen.map(pickField)))
    .map((parts) => parts.join(' '));
}

function operation(schema: GraphQLSchema, hostile = false): fc.Arbitrary<Attempt> {
  const query = selection(schema.getQueryType()!, 0, hostile).map((s) => ({
    text: `{ ${s} }`,
    write: false,
  }));
  const mutationType = schema.getMutationType();
  if (!mutationType) return query;
  const mutation = fc
    .constantFrom(...Object.values(mutationType.getFields()))
    .chain((field) => {
      const named = getNamedType(field.type);
      return argumentsOf(field.args, 0, hostile).map(
        (a) => `mutation { ${field.name}${a}${isObjectType(named) ? ' { __typename }' : ''} }`,
      );
    })
    .map((text) => ({ text, write: true }));
  return fc.oneof({ weight: 3, arbitrary: query }, { weight: 1, arbitrary: mutation });
}

interface Attempt {
  text: string;
  write: boolean;
  /** The variables as JSON text: JSON.stringify cannot write `1e400`. */
  variables?: string;
}

/**
 * An operation of every type holding hostile numbers: a query, mutation or subscription whose
 * literals may hold one, or a root field whose argument is a variable holding one.
 */
function hostileOperation(schema: GraphQLSchema): fc.Arbitrary<Attempt> {
  const queryType = schema.getQueryType()!;
  const querySelection = selection(queryType, 0, true);
  const query = querySelection.map((s) => ({ text: `query Fuzz { ${s} }`, write: false }));
  const subscription = fc
    .tuple(
      querySelection,
      fc.constantFrom(
        (s: string) => `subscription { ${s} }`,
        (s: string) => `subscription Watch { ${s} }`,
        (s: string) => `subscription Watch { ...Fields } fragment Fields on Query { ${s} }`,
      ),
    )
    .map(([s, shape]) => ({ text: shape(s), write: false }));
  const roots = [
    { keyword: 'query', type: queryType },
    ...(schema.getMutationType() ? [{ keyword: 'mutation', type: schema.getMutationType()! }] : []),
  ];
  const withArguments = roots.flatMap(({ keyword, type }) =>
    Object.values(type.getFields())
      .filter(
        (field) => field.args.length && (field.name === '_entities' || !field.name.startsWith('_')),
      )
      .map((field) => ({ keyword, field })),
  );
  const variable = fc
    .constantFrom(...withArguments)
    .chain(({ keyword, field }) =>
      fc.tuple(
        fc.constant(keyword),
        fc.constant(field),
        fc.constantFrom(...field.args),
        hostileNumberJson,
      ),
    )
    .chain(([keyword, field, chosen, json]) => {
      const others = field.args.filter((arg) => arg !== chosen && isNonNullType(arg.type));
      return fc
        .tuple(...others.map((arg) => literal(arg.type, 0).map((v) => `${arg.name}: ${v}`)))
        .map((pairs) => {
          const args = [`${chosen.name}: $v`, ...pairs].join(', ');
          const inner = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
          return {
            text: `${keyword} ($v: ${String(chosen.type)}) { ${field.name}(${args})${inner} }`,
            write: keyword === 'mutation',
            variables: `{"v":${json}}`,
          };
        });
    });
  const mutation = operation(schema, true).filter(({ write }) => write);
  return fc.oneof(query, mutation, subscription, { weight: 2, arbitrary: variable });
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
  type Body = { errors?: { message?: unknown; extensions?: { code?: unknown } }[] };
  let errors: NonNullable<Body['errors']> = [];
  try {
    errors = (JSON.parse(text) as Body | null)?.errors ?? [];
  } catch {
    problems.push('not JSON');
  }
  // A terminal's colour codes (util.inspect with colours) in a message meant for a client.
  if (errors.some((error) => String(error.message).includes('\u001b'))) {
    problems.push('ANSI escape');
  }
  if (status >= 400 && errors.some((error) => typeof error.extensions?.code !== 'string')) {
    problems.push('4xx error without a code');
  }
  return problems;
}

type Target = 'gateway' | 'library' | 'bpsdm-central' | 'bpsdm-regional';
const SUBGRAPHS = ['library', 'bpsdm-central', 'bpsdm-regional'] as const;

/** A subgraph's own schema, as its server builds it (resolvers play no part in validation). */
function subgraphSchema(name: (typeof SUBGRAPHS)[number]): GraphQLSchema {
  const sdl = fs.readFileSync(
    path.join(__dirname, '../../services', name, 'schema.graphql'),
    'utf8',
  );
  return buildSubgraphSchema([{ typeDefs: parse(sdl) }]);
}

describe('operations generated from the composed schema', () => {
  let schema: GraphQLSchema;
  const schemas = {} as Record<Target, GraphQLSchema>;
  const tokens: Record<string, string | undefined> = {};

  beforeAll(async () => {
    const gateway = new ApolloGateway({
      supergraphSdl: enforcedSupergraph(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')),
    });
    schema = (await gateway.load()).schema;
    await gateway.stop();
    schemas.gateway = schema;
    for (const name of SUBGRAPHS) schemas[name] = subgraphSchema(name);
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

  it('never answer numbers beyond any double, NaN, Infinity or a subscription with a server error, on the gateway or any subgraph', async () => {
    const failures: string[] = [];
    const targets: Target[] = ['gateway', ...SUBGRAPHS];
    const attempt = fc
      .constantFrom(...targets)
      .chain((target) => hostileOperation(schemas[target]).map((op) => ({ target, ...op })));
    await fc.assert(
      fc.asyncProperty(
        attempt,
        fc.constantFrom('anonymous', 'analyst', 'admin', 'operator'),
        async ({ target, text, write, variables }, caller) => {
          // Writes only as an analyst, who may write nothing: the data stays as it is.
          const token = write ? tokens.analyst : tokens[caller];
          const url =
            target === 'gateway'
              ? testStack().gatewayUrl
              : `${testStack().subgraphUrls[target]}/graphql`;
          const query = JSON.stringify(write ? text : uncachedText(text));
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              // To a subgraph as the gateway sends it: what the subgraph does with the mistake.
              ...(target === 'gateway' ? {} : asTheGateway()),
            },
            body: `{"query":${query},"variables":${variables ?? '{}'}}`,
          });
          const body = await response.text();
          const problems = problemsOf(response.status, body);
          if (problems.length) {
            failures.push(
              `${target}: ${problems.join(', ')}: ${text} ${variables ?? ''}\n→ ${body.slice(0, 300)}`,
            );
          }
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 300, seed: 20_261_203 },
    );
    expect(failures).toEqual([]);
  });
});
