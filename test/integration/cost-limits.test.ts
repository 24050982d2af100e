import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import fc from 'fast-check';
import {
  getNamedType,
  isCompositeType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { operationCost } from '../../gateway/limits';
import { GATEWAY_CREDENTIAL_HEADER } from '@coop/common';
import { adminToken, send, testStack, type GraphQLResponse } from '../support/stack';
import { enforcedSupergraph } from '../../gateway/access';

/**
 * Generated operations (docs/decisions/0011, 0025): whatever way a client writes `first`
 * (absent, null, a literal, a variable set, null, unset or defaulted) and whatever fragments
 * carry the fields, the cost the gateway computes is never less than the objects the gateway
 * then returns (the demand-control specification counts objects; scalars cost nothing); and
 * root fields count however they are written.
 */

type Gen = fc.GeneratorValue;

/** How a connection's `first` is written. */
const FIRST_MODES = [
  'absent',
  'null',
  'literal',
  'variable',
  'variable null',
  'variable unset',
  'variable defaulted',
  'variable defaulted, set null',
] as const;

interface Built {
  variableDefinitions: string[];
  variables: Record<string, unknown>;
  fragments: string[];
}

const MAX_FIELD_DEPTH = 5;

/** Fields a generated operation may select: none that needs an argument it would have to invent. */
function selectable(type: GraphQLObjectType): GraphQLField<unknown, unknown>[] {
  return Object.values(type.getFields()).filter((field) =>
    field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined),
  );
}

function firstArgument(g: Gen, built: Built): string {
  const mode = g(fc.constantFrom, ...FIRST_MODES);
  const name = `v${built.variableDefinitions.length}`;
  const size = () => g(fc.integer, { min: 0, max: 40 });
  switch (mode) {
    case 'absent':
      return '';
    case 'null':
      return '(first: null)';
    case 'literal':
      return `(first: ${size()})`;
    case 'variable':
      built.variableDefinitions.push(`$${name}: Int`);
      built.variables[name] = size();
      return `(first: $${name})`;
    case 'variable null':
      built.variableDefinitions.push(`$${name}: Int`);
      built.variables[name] = null;
      return `(first: $${name})`;
    case 'variable unset':
      built.variableDefinitions.push(`$${name}: Int`);
      return `(first: $${name})`;
    case 'variable defaulted':
      built.variableDefinitions.push(`$${name}: Int = ${size()}`);
      return `(first: $${name})`;
    default:
      // 'variable defaulted, set null'
      built.variableDefinitions.push(`$${name}: Int = ${size()}`);
      built.variables[name] = null;
      return `(first: $${name})`;
  }
}

/** Wraps selections in nothing, an inline fragment (typed or not) or a named one, maybe nested. */
function wrap(g: Gen, type: GraphQLObjectType, selections: string, built: Built): string {
  const how = g(fc.constantFrom, 'plain', 'inline', 'untyped inline', 'named', 'nested');
  const named = (inner: string) => {
    const name = `F${built.fragments.length}`;
    built.fragments.push(`fragment ${name} on ${type.name} { ${inner} }`);
    return `...${name}`;
  };
  switch (how) {
    case 'plain':
      return selections;
    case 'inline':
      return `... on ${type.name} { ${selections} }`;
    case 'untyped inline':
      return `... { ${selections} }`;
    case 'named':
      return named(selections);
    default:
      // 'nested'
      return named(`... on ${type.name} { ${named(`... { ${selections} }`)} }`);
  }
}

function selectionSet(g: Gen, type: GraphQLObjectType, depth: number, built: Built): string {
  const fields = selectable(type).filter(
    (field) => depth < MAX_FIELD_DEPTH || !isCompositeType(getNamedType(field.type)),
  );
  if (!fields.length) return '__typename';
  // Names, not field objects: fast-check records what it generated, and types are cyclic.
  const names = g(
    fc.subarray,
    fields.map((field) => field.name),
    {
      minLength: 1,
      maxLength: Math.min(fields.length, depth === 0 ? 3 : 2),
    },
  );
  const chosen = names.map((name) => type.getFields()[name]!);
  const parts = chosen.map((field, index) => {
    const args = field.args.some((arg) => arg.name === 'first') ? firstArgument(g, built) : '';
    const alias = g(fc.boolean) ? `a${depth}_${index}: ` : '';
    const named = getNamedType(field.type);
    const sub = isObjectType(named) ? ` { ${selectionSet(g, named, depth + 1, built)} }` : '';
    return `${alias}${field.name}${args}${sub}`;
  });
  // Half of the selections go into fragments (on Query at the root).
  const split = g(fc.integer, { min: 0, max: parts.length });
  const plain = parts.slice(0, split).join(' ');
  const wrapped = parts.length > split ? wrap(g, type, parts.slice(split).join(' '), built) : '';
  return `${plain} ${wrapped}`.trim();
}

/** Objects the answer carries, as the cost counts them: each one, in a list or not. */
function objects(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + objects(item), 0);
  if (!value || typeof value !== 'object') return 0;
  return 1 + inner(value);
}
function inner(value: object): number {
  return Object.values(value).reduce<number>((sum, field) => sum + objects(field), 0);
}
function answered(data: unknown): number {
  return data && typeof data === 'object' ? inner(data) : 0;
}

describe('the cost limit counts what will really be returned', () => {
  let schema: GraphQLSchema;
  let admin: string;

  beforeAll(async () => {
    admin = await adminToken();
    // The gateway's API schema, as its cost limit sees it.
    const gateway = new ApolloGateway({
      supergraphSdl: enforcedSupergraph(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')),
    });
    schema = (await gateway.load()).schema;
    await gateway.stop();
  });

  it('never computes a cost below the objects the gateway returns (generated operations)', async () => {
    let answers = 0;
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const built: Built = { variableDefinitions: [], variables: {}, fragments: [] };
        const selections = selectionSet(g, schema.getQueryType()!, 0, built);
        const definitions = built.variableDefinitions.length
          ? `(${built.variableDefinitions.join(', ')})`
          : '';
        const text = `query Generated${definitions} { ${selections} }\n${built.fragments.join('\n')}`;
        const cost = operationCost(schema, parse(text), 'Generated', built.variables);
        const { status, body } = await send(text, built.variables, { token: admin, fresh: true });
        if (status !== 200) {
          // Refused as a whole (too costly, too deep): nothing was returned.
          expect(body.data ?? null).toBeNull();
          return;
        }
        answers += 1;
        const values = answered(body.data);
        if (values > cost) {
          throw new Error(
            `cost ${cost} < ${values} objects returned by\n${text}\n${JSON.stringify(built.variables)}`,
          );
        }
      }),
      { numRuns: 80 },
    );
    // Most generated operations are answered: the property is not met by refusing them all.
    expect(answers).toBeGreaterThan(40);
  });

  it('counts a connection whose first is absent, null or an unset variable as the default page', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['query Q { programRuns { edges { node { id } } } }', {}],
      ['query Q { programRuns(first: null) { edges { node { id } } } }', {}],
      ['query Q($n: Int) { programRuns(first: $n) { edges { node { id } } } }', {}],
      ['query Q($n: Int) { programRuns(first: $n) { edges { node { id } } } }', { n: null }],
      ['query Q($n: Int = 20) { programRuns(first: $n) { edges { node { id } } } }', {}],
    ];
    const costs = cases.map(([text, variables]) =>
      operationCost(schema, parse(text), 'Q', variables),
    );
    // The connection itself and 20 × (edge + node), each time; the scalar id costs nothing.
    expect(new Set(costs)).toEqual(new Set([1 + 20 * (1 + 1)]));
  });
  it('counts the same text again for every list size and condition it is sent with', async () => {
    // One text (no `fresh`), so the gateway's count for it is reused where it may be.
    const heavy = (alias: string) => `${alias}: programRuns(first: 100) @include(if: $big) {
      edges { node { id enrolments(first: 100) { edges { node { status participant { id } } } } } } }`;
    const text = `query Sized($n: Int, $big: Boolean!, $province: String) {
      programRuns(first: $n, filter: { provinceCode: $province }) { edges { node { id } } }
      ${['a', 'b', 'c', 'd'].map(heavy).join(' ')} } # ${Date.now()}`;
    const token = await adminToken();
    const codeOf = async (variables: Record<string, unknown>) => {
      const { body } = await send(text, variables, { token });
      return body.errors?.[0]?.extensions?.code ?? 'ok';
    };
    expect(await codeOf({ n: 1, big: false, province: '32' })).toBe('ok');
    // The id-like variable changes nothing of the cost; the size and the condition do.
    expect(await codeOf({ n: 1, big: false, province: '33' })).toBe('ok');
    expect(await codeOf({ n: 1_000_000, big: false, province: '32' })).toBe('QUERY_TOO_COMPLEX');
    expect(await codeOf({ n: 1, big: true, province: '32' })).toBe('QUERY_TOO_COMPLEX');
    expect(await codeOf({ n: 1, big: 'yes', province: '32' })).toBe('BAD_USER_INPUT');
    expect(await codeOf({ n: 1, big: false, province: 32 })).toBe('BAD_USER_INPUT');
  });
});

describe('the root-field limit sees root fields however they are written', () => {
  const ROOT_FIELDS = [
    'facilities { name }',
    'regionalOffices { provinceCode }',
    'certificationSchemes { code }',
    'agreements(first: 1) { totalCount }',
  ];

  it('counts fields in named, inline and nested fragments on Query (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const count = g(fc.integer, { min: 1, max: 26 });
        const fragments: string[] = [];
        const direct: string[] = [];
        for (let i = 0; i < count; i += 1) {
          const field = `r${i}: ${g(fc.constantFrom, ...ROOT_FIELDS)}`;
          const place = g(fc.constantFrom, 'direct', 'inline', 'untyped', 'named', 'nested');
          const name = `F${fragments.length}`;
          switch (place) {
            case 'direct':
              direct.push(field);
              break;
            case 'inline':
              direct.push(`... on Query { ${field} }`);
              break;
            case 'untyped':
              direct.push(`... { ${field} }`);
              break;
            case 'named':
              fragments.push(`fragment ${name} on Query { ${field} }`);
              direct.push(`...${name}`);
              break;
            case 'nested':
              fragments.push(`fragment ${name}Inner on Query { ... { ${field} } }`);
              fragments.push(`fragment ${name} on Query { ... on Query { ...${name}Inner } }`);
              direct.push(`...${name}`);
              break;
          }
        }
        const text = `{ ${direct.join(' ')} }\n${fragments.join('\n')}`;
        const { status, body } = await send(text, {}, { fresh: true });
        if (count > 20) {
          expect(status).toBe(400);
          expect(body.errors?.[0]?.extensions).toMatchObject({
            code: 'QUERY_TOO_COMPLEX',
            rootFields: count,
            limit: 20,
          });
        } else {
          expect(body.errors).toBeUndefined();
          expect(Object.keys(body.data ?? {})).toHaveLength(count);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('a subgraph counts, from its own SDL, the cost the gateway counts', () => {
  it('refuses straight from bpsdm-regional what the owner’s sizes and weights make too costly', async () => {
    // 38 offices (its @listSize) × 100 runs × a 25-year trend of weight 10 (its @cost): over the
    // subgraph's 1,000,000, though a count without the owner's declarations (20 offices, a 20-item
    // trend, no weight) stays far under it.
    const text = `{ regionalOffices { runs(first: 100) { edges { node { office {
      trainingByYear(fromYear: 2001, toYear: 2025) { stats { runs } } } } } } } }`;
    const token = await adminToken();
    const gateway = await send(text, {}, { token, fresh: true });
    expect(gateway.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    const cost = gateway.body.errors?.[0]?.extensions?.cost;
    expect(cost).toBe(38 * (1 + 1 + 100 * (1 + 1 + 1 + 25 * (10 + 1 + 1))));

    const response = await fetch(`${testStack().subgraphUrls['bpsdm-regional']}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [GATEWAY_CREDENTIAL_HEADER]: testStack().subgraphSecret,
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query: text }),
    });
    const body = (await response.json()) as GraphQLResponse<unknown>;
    expect(response.status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      cost,
      limit: 1_000_000,
    });
  });
});
