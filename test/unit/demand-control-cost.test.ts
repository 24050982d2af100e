import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  costDirectivesOf,
  DEFAULT_LIST_SIZE,
  estimateCost,
  MUTATION_COST,
  SERVICES,
  type CostDirectives,
} from '@coop/common';
import fc from 'fast-check';
import { isDeepStrictEqual as equal } from 'node:util';
import {
  buildSchema,
  GraphQLError,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  parse,
  validate,
  type GraphQLSchema,
} from 'graphql';
import { ROOT } from '../../gateway/compose';

/**
 * The demand-control estimate (docs/decisions/0025) on the owners' declarations: a synthetic
 * schema for each rule of the specification, the bpsdm-regional subgraph's own SDL for the
 * sizes its owner declares, and generated documents for what must hold of every operation.
 */

const SYNTHETIC = `
  directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
  type Query {
    item: Item
    items: [Item!]!
    sized: [Item!]! @listSize(assumedSize: 7)
    sliced(first: Int, last: Int): [Item!]! @listSize(slicingArguments: ["first", "last"])
    either(first: Int, last: Int): [Item!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
    page(first: Int = 20): ItemPage! @listSize(assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"])
    heavy: Item @cost(weight: 8)
    priced: Priced
    search(text: String @cost(weight: 3)): [Item!]! @listSize(assumedSize: 2)
    names: [String!]!
  }
  type Mutation { touch: Item }
  type Item { id: ID! name: String! child: Item }
  type ItemPage { edges: [ItemEdge!]! total: Int! }
  type ItemEdge { node: Item! }
  type Priced @cost(weight: 4) { id: ID! }
`;
const synthetic = buildSchema(SYNTHETIC);
const syntheticDirectives = costDirectivesOf(parse(SYNTHETIC));

const regionalTypeDefs = parse(
  fs.readFileSync(path.join(ROOT, 'services/bpsdm-regional/schema.graphql'), 'utf8'),
);
const regional = buildSubgraphSchema([{ typeDefs: regionalTypeDefs }]);
const regionalDirectives = costDirectivesOf(regionalTypeDefs);

function cost(
  query: string,
  variables: Record<string, unknown> = {},
  schema: GraphQLSchema = synthetic,
  directives: CostDirectives = syntheticDirectives,
) {
  return estimateCost(schema, directives, parse(query), undefined, variables);
}

describe('the demand-control estimate', () => {
  it('counts objects 1 and scalars 0', () => {
    expect(cost('{ item { id name } }')).toBe(1);
    expect(cost('{ item { child { child { id } } } }')).toBe(3);
    expect(cost('{ names __typename }')).toBe(0);
  });

  it('multiplies a list by its declared size, or the default', () => {
    expect(cost('{ sized { id } }')).toBe(7);
    expect(cost('{ items { child { id } } }')).toBe(DEFAULT_LIST_SIZE * 2);
  });

  it('multiplies a sliced list by its slicing argument, at least 1', () => {
    expect(cost('{ sliced(first: 5) { id } }')).toBe(5);
    expect(cost('query ($n: Int) { sliced(last: $n) { id } }', { n: 9 })).toBe(9);
    expect(cost('{ sliced(first: 0) { id } }')).toBe(1);
    expect(cost('{ either(first: 2, last: 6) { id } }')).toBe(6);
    expect(() => cost('{ sliced(first: 2, last: 6) { id } }')).toThrow(/Only one of first, last/);
  });

  it('applies a connection’s first to its sized field, its declared size when first is null', () => {
    expect(cost('{ page(first: 3) { total edges { node { child { id } } } } }')).toBe(
      1 + 3 * (1 + 1 + 1),
    );
    expect(cost('{ page { edges { node { id } } } }')).toBe(1 + 20 * 2);
    expect(cost('{ page(first: null) { edges { node { id } } } }')).toBe(1 + 20 * 2);
  });

  it('adds the weights of fields, of arguments given and of the types returned', () => {
    expect(cost('{ heavy { id } }')).toBe(8 + 1);
    expect(cost('{ priced { id } }')).toBe(4);
    expect(cost('{ search(text: "a") { id } search2: search { id } }')).toBe(2 * (1 + 3) + 2);
  });

  it('adds the cost of a mutation', () => {
    expect(cost('mutation { touch { id } }')).toBe(MUTATION_COST + 1);
  });

  it('leaves out what @skip and @include leave out', () => {
    const query =
      'query ($on: Boolean!) { sized @include(if: $on) { id } item @skip(if: $on) { id } }';
    expect(cost(query, { on: true })).toBe(7);
    expect(cost(query, { on: false })).toBe(1);
  });

  it('reads the owner’s own sizes and weights from its SDL', () => {
    // bpsdm-regional declares 38 offices; weights on the statistics; its connections' first.
    const offices = '{ regionalOffices { name trainingStats { runs withheld { field } } } }';
    expect(cost(offices, {}, regional, regionalDirectives)).toBe(38 * (1 + (10 + 1) + 3));
    const runs = '{ programRuns(first: 7) { totalCount edges { node { id batchLabel } } } }';
    expect(cost(runs, {}, regional, regionalDirectives)).toBe(1 + 7 * 2);
  });

  it('counts an entity fetch by its representations', () => {
    const query =
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ProgramRun { id } } }';
    const representations = Array.from({ length: 12 }, (_, i) => ({
      __typename: 'ProgramRun',
      id: String(i),
    }));
    expect(cost(query, { r: representations }, regional, regionalDirectives)).toBe(12);
  });

  it('counts a fragment spread again in the same selection set once, as execution does', () => {
    expect(cost('{ sized { ...F ...F } } fragment F on Item { child { id } }')).toBe(7 * 2);
    // Forty fragments, each spreading the next twice: one walk, not 2^40.
    const chain = Array.from(
      { length: 40 },
      (_, i) =>
        `fragment F${i} on Item { id ${i < 39 ? `...F${i + 1} ...F${i + 1}` : 'child { id }'} }`,
    );
    const started = performance.now();
    expect(cost(`{ item { ...F0 } }\n${chain.join('\n')}`)).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('merges the fields execution merges: the same response key counts once', () => {
    expect(cost('{ sized { child { id } } sized { child { name } } }')).toBe(7 * 2);
    expect(cost('{ item { child { id } } item { ... on Item { child { name } } } }')).toBe(2);
    // The same field twice per level, twelve levels down: one walk of twelve fields.
    const levels = (depth: number): string =>
      depth ? `child { ${levels(depth - 1)} } child { ${levels(depth - 1)} }` : 'id';
    expect(cost(`{ item { ${levels(12)} } }`)).toBe(13);
  });

  it('refuses what spreads into more fields than it may walk', () => {
    // Four aliases per fragment, ten fragments deep: about a million fields.
    const chain = Array.from(
      { length: 10 },
      (_, i) =>
        `fragment F${i} on Item { ${[1, 2, 3, 4]
          .map((n) => `a${n}: child { ${i < 9 ? `...F${i + 1}` : 'id'} }`)
          .join(' ')} }`,
    );
    let refusal: unknown;
    try {
      cost(`{ item { ...F0 } }\n${chain.join('\n')}`);
    } catch (error) {
      refusal = error;
    }
    expect((refusal as GraphQLError | undefined)?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses variables that do not fit their types', () => {
    expect(() => cost('query ($n: Int) { sliced(first: $n) { id } }', { n: 'many' })).toThrow(
      /Int cannot represent/,
    );
  });
});

/** A generated tree of nested connections and lists, written out with sizes and a writing. */
interface Node {
  field: 'runs' | 'enrolments' | 'participant' | 'bookings';
  children: Node[];
}

const CHILDREN: Record<string, Node['field'][]> = {
  root: ['runs'],
  runs: ['enrolments', 'bookings'],
  enrolments: ['participant'],
  participant: [],
  bookings: [],
};

const tree = (parent: string, depth: number): fc.Arbitrary<Node[]> => {
  const options = CHILDREN[parent]!;
  if (!options.length || depth > 3) return fc.constant([]);
  return fc.uniqueArray(
    fc
      .constantFrom(...options)
      .chain((field) => tree(field, depth + 1).map((children) => ({ field, children }))),
    { minLength: 1, maxLength: options.length, selector: (node) => node.field },
  );
};

type Writing = 'plain' | 'aliased' | 'inline' | 'named';

/** The document for `nodes`: each connection takes `sizes[i]`, written the chosen way. */
function write(nodes: Node[], sizes: number[], writing: Writing): string {
  const fragments: string[] = [];
  let sized = 0;
  const on: Record<string, string> = {
    runs: 'ProgramRun',
    enrolments: 'Enrolment',
    participant: 'Librarian',
    bookings: 'FacilityBooking',
  };
  const render = (list: Node[], parentType: string): string => {
    const inner = list
      .map((node) => {
        const alias = writing === 'aliased' ? `x${sized}_${node.field}: ` : '';
        const sub = node.children.length ? render(node.children, on[node.field]!) : '__typename';
        if (node.field === 'runs' || node.field === 'enrolments') {
          const size = sizes[sized++ % sizes.length]!;
          return `${alias}${node.field}(first: ${size}) { totalCount edges { node { id ${sub} } } }`;
        }
        return `${alias}${node.field} { id ${sub} }`;
      })
      .join(' ');
    if (writing === 'inline') return `... on ${parentType} { ${inner} }`;
    if (writing === 'named') {
      const name = `F${fragments.length}`;
      fragments.push(`fragment ${name} on ${parentType} { ${inner} }`);
      return `...${name}`;
    }
    return inner;
  };
  const body = render(nodes, 'RegionalOffice');
  return `{ regionalOffice(provinceCode: "32") { ${body} } }\n${fragments.join('\n')}`;
}

/** The estimate of a document the subgraph's schema accepts. */
function regionalCost(query: string): number {
  expect(validate(regional, parse(query)).map((error) => error.message)).toEqual([]);
  return cost(query, {}, regional, regionalDirectives);
}

describe('the estimate of generated operations', () => {
  const sizes = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 });

  it('is the same however the operation is written (aliases, inline or named fragments)', () => {
    fc.assert(
      fc.property(tree('root', 0), sizes, (nodes, chosen) => {
        const plain = regionalCost(write(nodes, chosen, 'plain'));
        for (const writing of ['aliased', 'inline', 'named'] as const) {
          expect(regionalCost(write(nodes, chosen, writing))).toBe(plain);
        }
      }),
    );
  });

  it('never decreases when a first grows', () => {
    fc.assert(
      fc.property(
        tree('root', 0),
        sizes,
        fc.nat(),
        fc.integer({ min: 1, max: 100 }),
        (nodes, chosen, which, more) => {
          const larger = [...chosen];
          const at = which % larger.length;
          larger[at] = larger[at]! + more;
          const before = regionalCost(write(nodes, chosen, 'plain'));
          expect(regionalCost(write(nodes, larger, 'plain'))).toBeGreaterThanOrEqual(before);
        },
      ),
    );
  });

  it('adds up the costs of an operation’s root fields, written apart or together', () => {
    fc.assert(
      fc.property(tree('root', 0), tree('root', 0), sizes, (a, b, chosen) => {
        const one = write(a, chosen, 'plain');
        const two = write(b, chosen, 'plain');
        const inner = (text: string) => text.slice(text.indexOf('{') + 1, text.lastIndexOf('}'));
        const together = `{ a: ${inner(one).trim()} b: ${inner(two).trim()} }`;
        expect(regionalCost(together)).toBe(regionalCost(one) + regionalCost(two));
      }),
    );
  });
});

describe('the owners’ declarations', () => {
  const owners = SERVICES.map((service) => {
    const typeDefs = parse(
      fs.readFileSync(path.join(ROOT, 'services', service.name, 'schema.graphql'), 'utf8'),
    );
    return { name: service.name, typeDefs, directives: costDirectivesOf(typeDefs) };
  });

  it('size every list of objects and every connection where it is written', () => {
    const missing: string[] = [];
    for (const owner of owners) {
      const schema = buildSubgraphSchema([{ typeDefs: owner.typeDefs }]);
      // A connection's `edges` are sized by the field returning the connection.
      const sized = new Set<string>();
      for (const [key, listSize] of owner.directives.listSizes) {
        const [typeName, fieldName] = key.split('.') as [string, string];
        const type = schema.getType(typeName);
        if (!isObjectType(type)) continue;
        const returned = getNamedType(type.getFields()[fieldName]!.type).name;
        for (const name of listSize.sizedFields ?? []) sized.add(`${returned}.${name}`);
      }
      for (const definition of owner.typeDefs.definitions) {
        if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
        const type = schema.getType(definition.name.value);
        if (!isObjectType(type)) continue;
        for (const node of definition.fields ?? []) {
          const field = type.getFields()[node.name.value]!;
          const key = `${type.name}.${field.name}`;
          const listSize = owner.directives.listSizes.get(key);
          const connection = field.args.some((arg) => arg.name === 'first');
          const listOfObjects =
            isCompositeType(getNamedType(field.type)) && isListType(getNullableType(field.type));
          if (connection) {
            const declared = listSize && {
              slicingArguments: listSize.slicingArguments,
              sizedFields: listSize.sizedFields,
            };
            if (!equal(declared, { slicingArguments: ['first'], sizedFields: ['edges'] })) {
              missing.push(`${owner.name}: ${key} (connection)`);
            }
          } else if (listOfObjects && !listSize?.assumedSize && !sized.has(key)) {
            missing.push(`${owner.name}: ${key}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
