import fs from 'node:fs';
import fc from 'fast-check';
import { ApolloGateway } from '@apollo/gateway';
import { Kind, parse, type GraphQLSchema } from 'graphql';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { analyseOperation, indexSupergraph, type Audience } from '../../gateway/operation-analysis';
import { accessDeclarations } from '@coop/common';
import { enforcedSupergraph } from '../../gateway/access';

const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
const index = indexSupergraph(supergraphSdl);
let apiSchema: GraphQLSchema;
beforeAll(async () => {
  const gateway = new ApolloGateway({ supergraphSdl: enforcedSupergraph(supergraphSdl) });
  apiSchema = (await gateway.load()).schema;
  await gateway.stop();
});

/** Every coordinate whose answer depends on the caller, by the owners' SDL. */
function annotated(): Map<string, Audience> {
  const found = new Map<string, Audience>();
  for (const [type, fields] of index) {
    for (const [field, facts] of fields) {
      if (facts.audience !== 'public') found.set(`${type}.${field}`, facts.audience);
    }
  }
  return found;
}

describe("who may share an answer: derived from the owners' access declarations", () => {
  const declarations = accessDeclarations(parse(supergraphSdl));

  it('every field of the supergraph has the audience its declarations imply (generated)', () => {
    const marks = new Map<string, Set<string>>();
    for (const definition of parse(supergraphSdl).definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const field of definition.fields ?? []) {
        marks.set(
          `${definition.name.value}.${field.name.value}`,
          new Set((field.directives ?? []).map((d) => d.name.value)),
        );
      }
    }
    const coordinates = [...marks.keys()];
    fc.assert(
      fc.property(fc.constantFrom(...coordinates), (coordinate) => {
        const [type, field] = coordinate.split('.') as [string, string];
        const rule = declarations.get(coordinate);
        const names = marks.get(coordinate)!;
        const expected: Audience = rule?.policies
          ? 'personal'
          : rule
            ? 'viewer'
            : names.has('personal')
              ? 'personal'
              : names.has('viewerDependent')
                ? 'viewer'
                : 'public';
        expect([coordinate, index.get(type)?.get(field)?.audience]).toEqual([coordinate, expected]);
      }),
      { numRuns: coordinates.length * 3 },
    );
  });

  it('one declaration per field: no @viewerDependent or @personal beside an access directive', () => {
    const doubled = [...annotated().keys()].filter((coordinate) => {
      const [type, field] = coordinate.split('.') as [string, string];
      const definition = parse(supergraphSdl).definitions.find(
        (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === type,
      );
      const names =
        definition?.kind === Kind.OBJECT_TYPE_DEFINITION
          ? (definition.fields?.find((f) => f.name.value === field)?.directives ?? []).map(
              (d) => d.name.value,
            )
          : [];
      return (
        declarations.has(coordinate) &&
        (names.includes('personal') || names.includes('viewerDependent'))
      );
    });
    expect(doubled).toEqual([]);
  });

  it('reads the owners of each field from the supergraph', () => {
    expect(index.get('RegionalOffice')?.get('librarianStats')?.owners).toEqual(['library']);
    expect(index.get('RegionalOffice')?.get('trainingStats')?.owners).toEqual(['bpsdm-regional']);
    expect(index.get('Agreement')?.get('programs')?.owners).toEqual(['bpsdm-central']);
  });
});

describe('analyseOperation', () => {
  const analyse = (query: string, operationName?: string) =>
    analyseOperation(apiSchema, index, query, operationName);

  it('finds the widest audience and every subgraph, through fragments and aliases', () => {
    expect(analyse(`{ regionalOffices { name } }`)).toEqual({
      kind: 'query',
      audience: 'public',
      subgraphs: ['bpsdm-regional'],
    });
    expect(
      analyse(
        `query Q { ...F } fragment F on Query { regionalOffices { s: librarianStats { librarians } } }`,
      ),
    ).toEqual({ kind: 'query', audience: 'viewer', subgraphs: ['bpsdm-regional', 'library'] });
    expect(
      analyse(`{ librarians(first: 1) { edges { node { ... on Librarian { who: name } } } } }`),
    ).toMatchObject({ kind: 'query', audience: 'personal' });
  });

  it('tells writes from reads, picks the named operation, and gives up on what is invalid', () => {
    expect(analyse(`mutation { setRunStatus(id: "x", version: 1, status: OPEN) { id } }`)).toEqual({
      kind: 'mutation',
      subgraphs: ['bpsdm-regional'],
    });
    const two = `query A { facilities { name } } mutation B { setRunStatus(id: "x", version: 1, status: OPEN) { id } }`;
    expect(analyse(two, 'A')).toMatchObject({ kind: 'query' });
    expect(analyse(two, 'B')).toMatchObject({ kind: 'mutation' });
    expect(analyse(two)).toEqual({ kind: 'other' });
    expect(analyse(`{ nothingHere }`)).toEqual({ kind: 'other' });
    expect(analyse(`{ regionalOffices { `)).toEqual({ kind: 'other' });
  });

  it('marks a query personal whenever any @personal field appears anywhere in it (generated)', () => {
    const personal = [...annotated()].filter(([, audience]) => audience === 'personal');
    // Paths from Query to each type that holds personal fields, as the contract reaches them.
    const paths: Record<string, (inner: string) => string> = {
      Librarian: (inner) => `librarians(first: 1) { edges { node { ${inner} } } }`,
      Certification: (inner) => `certification(number: "x") { ${inner} }`,
      ProgramRun: (inner) => `programRuns(first: 1) { edges { node { ${inner} } } }`,
      Viewer: (inner) => `viewer { ${inner} }`,
      Query: (inner) => inner,
      Enrolment: (inner) =>
        `programRuns(first: 1) { edges { node { enrolments(first: 1) { edges { node { ${inner} } } } } } }`,
    };
    const scalarish = (coordinate: string) => {
      const [type, field] = coordinate.split('.') as [string, string];
      const selection = {
        'Librarian.certifications': 'certifications { number }',
        'Librarian.enrolments': 'enrolments { id }',
        'Certification.holder': 'holder { id }',
        'Certification.run': 'run { id }',
        'ProgramRun.enrolments': 'enrolments(first: 1) { totalCount }',
        'Enrolment.participant': 'participant { id }',
        'Query.me': 'me { id }',
      }[coordinate];
      return { type, selection: selection ?? field };
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...personal.map(([coordinate]) => coordinate)),
        fc.boolean(),
        fc.string({ minLength: 1, maxLength: 8 }).map((s) => `a${s.replace(/\W/g, '')}`),
        (coordinate, viaFragment, alias) => {
          const { type, selection } = scalarish(coordinate);
          const inner = `__typename ${alias}: ${selection}`;
          const query = viaFragment
            ? `{ ${paths[type]!('...P')} } fragment P on ${type} { ${inner} }`
            : `{ ${paths[type]!(inner)} }`;
          const facts = analyse(query);
          expect(facts).toMatchObject({ kind: 'query', audience: 'personal' });
        },
      ),
    );
  });
});

describe('analyseOperation decides by the operation that executes (generated documents)', () => {
  const writes = [
    ['setRunStatus(id: "x", version: 1, status: OPEN) { id }', 'bpsdm-regional'],
    ['createTrainingProgram(input: {}) { id }', 'bpsdm-central'],
    ['createFacility(input: {}) { id }', 'library'],
  ] as const;
  const reads = [
    ['facilities { name }', 'library'],
    ['regionalOffices { name }', 'bpsdm-regional'],
    ['__schema { types { name fields { name } } }', undefined],
    ['__type(name: "Query") { name }', undefined],
    ['__typename', undefined],
  ] as const;

  const definition = fc.oneof(
    fc.record({ kind: fc.constant('mutation' as const), field: fc.constantFrom(...writes) }),
    fc.record({
      kind: fc.constant('query' as const),
      fields: fc.subarray([...reads], { minLength: 1 }),
      // Reads through a fragment on Query, which may itself reach introspection.
      viaFragment: fc.boolean(),
    }),
  );

  it('refreshes what the chosen mutation may change, caches only proven reads', async () => {
    const { getOperationAST, parse } = await import('graphql');
    fc.assert(
      fc.property(
        fc.array(definition, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(5), { nil: undefined }),
        fc.array(fc.constantFrom(...reads.map(([selection]) => selection)), { maxLength: 2 }),
        (definitions, chosen, unusedFragments) => {
          const parts: string[] = [];
          definitions.forEach((item, index) => {
            if (item.kind === 'mutation') {
              parts.push(`mutation Op${index} { ...W${index} }`);
              parts.push(`fragment W${index} on Mutation { ${item.field[0]} }`);
            } else if (item.viaFragment) {
              parts.push(`query Op${index} { ...R${index} }`);
              parts.push(
                `fragment R${index} on Query { ${item.fields.map(([s]) => s).join(' ')} }`,
              );
            } else {
              parts.push(`query Op${index} { ${item.fields.map(([s]) => s).join(' ')} }`);
            }
          });
          // Fragments no operation uses cannot execute: they change nothing.
          unusedFragments.forEach((selection, index) =>
            parts.push(`fragment Unused${index} on Query { ${selection} }`),
          );
          const text = parts.join('\n');
          const operationName = chosen === undefined ? undefined : `Op${chosen}`;
          const facts = analyseOperation(apiSchema, index, text, operationName);
          const executes = getOperationAST(parse(text), operationName);
          const item = executes && definitions[Number(executes.name!.value.slice(2))]!;
          if (!item) {
            expect(facts).toEqual({ kind: 'other' });
          } else if (item.kind === 'mutation') {
            expect(facts).toEqual({ kind: 'mutation', subgraphs: [item.field[1]] });
          } else {
            const owners = [...new Set(item.fields.flatMap(([, owner]) => owner ?? []))].sort();
            expect(facts).toEqual({ kind: 'query', audience: 'public', subgraphs: owners });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refreshes every subgraph when a mutation names a field it does not know', () => {
    expect(analyseOperation(apiSchema, index, 'mutation { noSuchWrite }', undefined)).toEqual({
      kind: 'mutation',
      subgraphs: ['bpsdm-central', 'bpsdm-regional', 'library'],
    });
    expect(analyseOperation(apiSchema, index, 'mutation { ...Missing }', undefined)).toMatchObject({
      kind: 'mutation',
      subgraphs: ['bpsdm-central', 'bpsdm-regional', 'library'],
    });
    // An empty name is a name: graphql-js chooses no operation, so nothing executes.
    expect(analyseOperation(apiSchema, index, 'mutation { noSuchWrite }', '')).toEqual({
      kind: 'other',
    });
  });
});
