import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessDeclarations, type AccessRule, type Role, type RunningService } from '@coop/common';
import {
  getNamedType,
  isObjectType,
  Kind,
  parse,
  visit,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import { limitsFromEnv } from '../../gateway/limits';
import { apiSchemaOf } from '../../gateway/public-schema';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { graphql, subgraphGraphqlUrls, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * The gateway enforces the owners' @authenticated and @requiresScopes itself, from the
 * supergraph, before planning: a gateway of the test's own calls the subgraphs through proxies
 * that record every query they are sent, so a refused field is seen never to reach its owner.
 */

interface Proxy {
  url: string;
  queries: string[];
  close: () => Promise<void>;
}

async function recordingProxy(target: string): Promise<Proxy> {
  const queries: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      queries.push(String((JSON.parse(body.toString('utf8')) as { query?: unknown }).query ?? ''));
    } catch {
      // Not a GraphQL request: forwarded as it is.
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const answer = await fetch(target, {
      method: req.method,
      headers,
      body: body.length ? body : undefined,
    });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Every field name any recorded subgraph query selects. */
function selectedFields(queries: string[]): Set<string> {
  const names = new Set<string>();
  for (const text of queries) {
    visit(parse(text), {
      Field(node) {
        names.add(node.name.value);
      },
    });
  }
  return names;
}

/** How the contract reaches each type that holds protected fields, from Query. */
const PATHS: Record<string, (inner: string) => string> = {
  Query: (inner) => inner,
  Agreement: (inner) => `agreements(first: 1) { edges { node { ${inner} } } }`,
  Librarian: (inner) => `librarians(first: 1) { edges { node { ${inner} } } }`,
  Certification: (inner) =>
    `librarians(first: 1) { edges { node { certifications { ${inner} } } } }`,
  Facility: (inner) => `facilities { ${inner} }`,
  ItInitiative: (inner) => `itInitiatives { ${inner} }`,
  ItRollout: (inner) => `itInitiatives { rollouts(first: 1) { edges { node { ${inner} } } } }`,
  TrainingProgram: (inner) => `trainingPrograms(first: 1) { edges { node { ${inner} } } }`,
  ProgramRun: (inner) => `programRuns(first: 1) { edges { node { ${inner} } } }`,
  Enrolment: (inner) =>
    `programRuns(first: 1) { edges { node { enrolments(first: 1) { edges { node { ${inner} } } } } } }`,
  RegionalOffice: (inner) => `regionalOffice(provinceCode: "32") { ${inner} }`,
};

const ARGUMENTS: Record<string, string> = {
  fromYear: '2024',
  toYear: '2025',
  id: '"00000000-0000-0000-0000-000000000000"',
  nip: '"195503151980031999"',
  number: '"none"',
};

/** The field selected as simply as it can be: required arguments given, objects by typename. */
function selection(type: GraphQLObjectType, field: string): string {
  const definition = type.getFields()[field]!;
  const required = definition.args.filter((arg) => arg.type.toString().endsWith('!'));
  const args = required.length
    ? `(${required.map((arg) => `${arg.name}: ${ARGUMENTS[arg.name]}`).join(', ')})`
    : '';
  return `${field}${args}${isObjectType(getNamedType(definition.type)) ? ' { __typename }' : ''}`;
}

const CALLERS: [string, Role | null, string | undefined][] = [
  ['anonymous', null, undefined],
  ['an analyst', 'analyst', undefined],
  ['an operator of 32', 'regional-operator', '32'],
  ['an admin', 'admin', undefined],
];

/** What the edge refuses, by the directives' own semantics (a token's scope is its role). */
function expectedCode(rule: AccessRule | undefined, role: Role | null): string | null {
  if (!rule) return null;
  if (!role) return 'UNAUTHENTICATED';
  if (rule.scopes && !rule.scopes.some((all) => all.every((scope) => scope === role))) {
    return 'FORBIDDEN';
  }
  return null;
}

/** The coordinates an operation reads, in order from the root, for a chain of single fields. */
function chain(schema: GraphQLSchema, text: string): { coordinate: string; key: string }[] {
  const found: { coordinate: string; key: string }[] = [];
  let type: GraphQLObjectType = schema.getQueryType()!;
  let set = (parse(text).definitions[0] as { selectionSet: import('graphql').SelectionSetNode })
    .selectionSet;
  for (;;) {
    const field = set.selections.find(
      (s) => s.kind === Kind.FIELD && s.name.value !== '__typename',
    ) as import('graphql').FieldNode | undefined;
    if (!field) return found;
    found.push({ coordinate: `${type.name}.${field.name.value}`, key: field.name.value });
    const next = getNamedType(type.getFields()[field.name.value]!.type);
    if (!field.selectionSet || !isObjectType(next)) return found;
    type = next;
    set = field.selectionSet;
  }
}

describe('the gateway enforces access at the edge', () => {
  const proxies: Record<string, Proxy> = {};
  let gateway: RunningService;
  let schema: GraphQLSchema;
  const tokens: Record<string, string | undefined> = {};
  const declarations = accessDeclarations(parse(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')));

  beforeAll(async () => {
    for (const [name, url] of Object.entries(subgraphGraphqlUrls())) {
      proxies[name] = await recordingProxy(url);
    }
    gateway = await startGateway(
      await freePort(),
      Object.fromEntries(Object.entries(proxies).map(([name, proxy]) => [name, proxy.url])),
      limitsFromEnv(),
      { ...cacheSettingsFromEnv(), enabled: false },
    );
    schema = await apiSchemaOf(fs.readFileSync(SUPERGRAPH_PATH, 'utf8'));
    for (const [name, role, province] of CALLERS) {
      tokens[name] = role ? await tokenFor(role, province) : undefined;
    }
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  });

  const ask = async (text: string, token: string | undefined) => {
    for (const proxy of Object.values(proxies)) proxy.queries.length = 0;
    const answer = await graphql(text, {}, { url: gateway.url, token });
    const asked = selectedFields(Object.values(proxies).flatMap((proxy) => proxy.queries));
    return { answer, asked };
  };

  it('for every protected field and every kind of caller: refused fields never reach a subgraph (generated)', async () => {
    const problems: unknown[] = [];
    // Reads only: a write's role (`Mutation.*`, declared for the explorer's hints) is refused
    // with the same codes, which the *-writes tests check.
    for (const coordinate of [...declarations.keys()].filter((c) => !c.startsWith('Mutation.'))) {
      const [typeName, field] = coordinate.split('.') as [string, string];
      const path = PATHS[typeName];
      expect([coordinate, typeof path]).toEqual([coordinate, 'function']);
      const text = `{ ${path!(selection(schema.getType(typeName) as GraphQLObjectType, field))} }`;
      const links = chain(schema, text);
      for (const [caller, role] of CALLERS) {
        // The first field along the way the caller may not read is the one the edge refuses.
        const refusedAt = links.findIndex(
          (link) => expectedCode(declarations.get(link.coordinate), role) !== null,
        );
        const { answer, asked } = await ask(text, tokens[caller]);
        const edgeErrors = (answer.errors ?? []).filter((error) =>
          /needs a token|is readable by/.test(error.message),
        );
        if (refusedAt === -1) {
          if (edgeErrors.length) problems.push({ coordinate, caller, overRefused: edgeErrors });
          if (!asked.has(field)) problems.push({ coordinate, caller, notAsked: field });
          continue;
        }
        const refused = links[refusedAt]!;
        const code = expectedCode(declarations.get(refused.coordinate), role);
        const keys = links.slice(0, refusedAt + 1).map((link) => link.key);
        if (asked.has(refused.key)) problems.push({ coordinate, caller, askedAnyway: refused });
        for (const error of edgeErrors) {
          const stringKeys = (error.path ?? []).filter((part) => typeof part === 'string');
          if (
            error.extensions?.code !== code ||
            JSON.stringify(stringKeys) !== JSON.stringify(keys)
          ) {
            problems.push({ coordinate, caller, expected: { code, keys }, got: error });
          }
        }
        // A refused root field has its error whatever the data; deeper ones where their parent is.
        if (refusedAt === 0 && edgeErrors.length !== 1) {
          problems.push({ coordinate, caller, errors: answer.errors });
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers as the owner would: null at each refused place, its error with the concrete path', async () => {
    const text = `{
      regionalOffice(provinceCode: "32") { name trainingStats { runs } librarianStats { librarians } }
      programRuns(first: 2) { edges { node { batch enrolments { totalCount } auditTrail { at } } } }
    }`;
    const { answer, asked } = await ask(text, undefined);
    const data = answer.data as {
      regionalOffice: Record<string, unknown>;
      programRuns: { edges: { node: Record<string, unknown> }[] };
    };
    expect(data.regionalOffice).toEqual({
      name: 'BPSDM Provinsi Jawa Barat',
      trainingStats: null,
      librarianStats: null,
    });
    expect(data.programRuns.edges).toHaveLength(2);
    for (const { node } of data.programRuns.edges) {
      expect(node).toEqual({ batch: expect.any(Number), enrolments: null, auditTrail: null });
    }
    const paths = (answer.errors ?? []).map((error) => [error.extensions?.code, error.path]);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['UNAUTHENTICATED', ['regionalOffice', 'trainingStats']],
        ['UNAUTHENTICATED', ['regionalOffice', 'librarianStats']],
        ['UNAUTHENTICATED', ['programRuns', 'edges', 0, 'node', 'enrolments']],
        ['UNAUTHENTICATED', ['programRuns', 'edges', 1, 'node', 'auditTrail']],
      ]),
    );
    expect(paths).toHaveLength(6);
    // The library is not asked at all: librarianStats was its only field.
    expect(proxies.library!.queries).toEqual([]);
    expect(asked.has('trainingStats')).toBe(false);
  });

  it('names the roles a field needs, through aliases and fragments, once per place', async () => {
    const text = `query ($year: Int) {
      librarians(first: 2) { edges { node { level h: lessonHoursCompleted(year: $year) ...Hours } } }
    }
    fragment Hours on Librarian { h: lessonHoursCompleted(year: $year) }`;
    const result = (await graphql(
      text,
      { year: 2025 },
      {
        url: gateway.url,
        token: tokens['an operator of 32'],
      },
    )) as GraphQLResponse<{ librarians: { edges: { node: Record<string, unknown> }[] } }>;
    for (const { node } of result.data!.librarians.edges) {
      expect(node).toEqual({ level: expect.any(String), h: null });
    }
    expect(result.errors).toHaveLength(2);
    for (const error of result.errors!) {
      expect(error).toMatchObject({
        message:
          'Librarian.lessonHoursCompleted is readable by admins and librarians only; your role is regional-operator',
        extensions: { code: 'FORBIDDEN' },
      });
      expect(error.path).toEqual(['librarians', 'edges', expect.any(Number), 'node', 'h']);
    }
  });
});
