import {
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  getOperationAST,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Who an answer may be shared with, from the fields it reads: `public` answers are the same for
 * every caller, `viewer` answers depend on the caller's role and province, `personal` answers
 * hold one person's data and are never shared between callers (see `audienceOf`).
 */
export type Audience = 'public' | 'viewer' | 'personal';

const AUDIENCE_RANK: Record<Audience, number> = { public: 0, viewer: 1, personal: 2 };

interface FieldFacts {
  /** Subgraphs that resolve the field: a write to any of them may change it. */
  owners: string[];
  audience: Audience;
}

/** What the gateway knows of every field of the supergraph: `Type` → `field` → facts. */
export type SupergraphIndex = Map<string, Map<string, FieldFacts>>;

function argument(directive: DirectiveNode, name: string): string | boolean | undefined {
  const value = directive.arguments?.find((arg) => arg.name.value === name)?.value;
  if (value?.kind === Kind.ENUM || value?.kind === Kind.STRING) return value.value;
  if (value?.kind === Kind.BOOLEAN) return value.value;
  return undefined;
}

/**
 * Who may share a field's answer, from its owner's declarations (docs/decisions/0026):
 * - `@policy`: the row decides who reads it (personal data of a province, an office's own
 *   records): `personal`, never shared between callers;
 * - `@requiresScopes`, `@authenticated`: the caller's role decides, and what a role reads
 *   (withheld aggregates, an operator's province) may depend on its province: `viewer`;
 * - no access directive: `public`, unless the owner marks an answer any caller may read as
 *   its caller's (`@personal`: the token's own subject; `@viewerDependent`: who it is).
 */
export function audienceOf(directives: ReadonlySet<string>): Audience {
  if (directives.has('policy') || directives.has('personal')) return 'personal';
  if (
    directives.has('requiresScopes') ||
    directives.has('authenticated') ||
    directives.has('viewerDependent')
  ) {
    return 'viewer';
  }
  return 'public';
}

/**
 * Reads the supergraph: which subgraphs resolve each field (`@join__field`, else every subgraph
 * of its type's `@join__type`) and who may share its answer (`audienceOf` the owners' access
 * directives, composed into the supergraph).
 */
export function indexSupergraph(supergraphSdl: string): SupergraphIndex {
  const document = parse(supergraphSdl);
  const graphNames = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') {
      continue;
    }
    for (const value of definition.values ?? []) {
      const joinGraph = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = joinGraph && argument(joinGraph, 'name');
      if (typeof name === 'string') graphNames.set(value.name.value, name);
    }
  }
  const graphOf = (directive: DirectiveNode) => {
    const graph = argument(directive, 'graph');
    return typeof graph === 'string' ? (graphNames.get(graph) ?? graph) : undefined;
  };

  const index: SupergraphIndex = new Map();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION
    ) {
      continue;
    }
    const typeGraphs = (definition.directives ?? [])
      .filter((d) => d.name.value === 'join__type')
      .flatMap((d) => graphOf(d) ?? []);
    const fields = index.get(definition.name.value) ?? new Map<string, FieldFacts>();
    for (const field of definition.fields ?? []) {
      const directives = field.directives ?? [];
      const joins = directives.filter(
        (d) => d.name.value === 'join__field' && argument(d, 'external') !== true,
      );
      const owners = joins.length ? joins.flatMap((d) => graphOf(d) ?? []) : typeGraphs;
      const audience = audienceOf(new Set(directives.map((d) => d.name.value)));
      fields.set(field.name.value, { owners: [...new Set(owners)].sort(), audience });
    }
    index.set(definition.name.value, fields);
  }
  return index;
}

/**
 * What a request's operation is, as far as caching is concerned, decided for the operation
 * that will execute (graphql-js's `getOperationAST`, as Apollo Server chooses it):
 * - `query`: proven a read of known fields, cacheable for its audience;
 * - `mutation`: it may write; `subgraphs` are those whose generations it advances (every
 *   subgraph when a root field is not known);
 * - `other`: nothing can execute (unparsable, no operation chosen, a subscription, which the
 *   gateway refuses), or a query the analysis cannot prove cacheable: computed, never stored.
 */
export type OperationFacts =
  | { kind: 'query'; audience: Audience; subgraphs: string[] }
  | { kind: 'mutation'; subgraphs: string[] }
  | { kind: 'other' };

/** Every subgraph of the supergraph: what a write the analysis cannot place may change. */
function allSubgraphs(index: SupergraphIndex): string[] {
  const names = new Set<string>();
  for (const fields of index.values()) {
    for (const facts of fields.values()) for (const owner of facts.owners) names.add(owner);
  }
  return [...names].sort();
}

/** The fragments an operation uses, however deeply spread: only those can execute. */
function usedFragments(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): FragmentDefinitionNode[] | undefined {
  const byName = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) byName.set(definition.name.value, definition);
  }
  const used = new Map<string, FragmentDefinitionNode>();
  let missing = false;
  const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name)) return;
        const fragment = byName.get(name);
        if (!fragment) {
          missing = true;
          return;
        }
        used.set(name, fragment);
        collect(fragment);
      },
    });
  collect(operation);
  return missing ? undefined : [...used.values()];
}

/**
 * Walks the operation that will execute (and the fragments it uses) against the API schema:
 * the widest audience among its fields and the subgraphs that own them. Introspection reads
 * the schema, the same for everyone. A field the index does not know makes a query `other`
 * (validation will refuse it anyway) and a mutation a write to every subgraph: whatever the
 * analysis cannot prove, it assumes the worst of.
 */
export function analyseOperation(
  schema: GraphQLSchema,
  index: SupergraphIndex,
  query: string,
  operationName: string | null | undefined,
): OperationFacts {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return { kind: 'other' };
  }
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation === 'subscription') return { kind: 'other' };
  const isMutation = operation.operation === 'mutation';
  const fragments = usedFragments(document, operation);
  if (!fragments)
    return isMutation ? { kind: 'mutation', subgraphs: allSubgraphs(index) } : { kind: 'other' };
  let audience: Audience = 'public';
  let unknown = false;
  const read = new Set<string>();
  // Only root fields of a mutation write; what they return is read afterwards.
  const written = new Set<string>();
  const mutationRoot = schema.getMutationType();
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const name = node.name.value;
      if (name === '__typename') return;
      if (name === '__schema' || name === '__type') return false;
      const parent = typeInfo.getParentType();
      const facts = parent && index.get(parent.name)?.get(name);
      if (!facts) {
        unknown = true;
        return;
      }
      for (const owner of facts.owners) read.add(owner);
      if (parent === mutationRoot) for (const owner of facts.owners) written.add(owner);
      if (AUDIENCE_RANK[facts.audience] > AUDIENCE_RANK[audience]) audience = facts.audience;
    },
  });
  for (const definition of [operation, ...fragments]) visit(definition, visitor);
  if (isMutation) {
    return { kind: 'mutation', subgraphs: unknown ? allSubgraphs(index) : [...written].sort() };
  }
  if (unknown) return { kind: 'other' };
  return { kind: 'query', audience, subgraphs: [...read].sort() };
}

/** Analyses each distinct query text once: dashboards send the same few operations all day. */
export function operationAnalyser(
  schema: () => GraphQLSchema | undefined,
  index: SupergraphIndex,
  maxEntries = 2000,
) {
  const known = new LRUCache<string, OperationFacts>({ max: maxEntries });
  return (query: string, operationName: string | null | undefined): OperationFacts => {
    const current = schema();
    if (!current) return { kind: 'other' };
    const cacheKey = JSON.stringify([operationName ?? null, query]);
    let facts = known.get(cacheKey);
    if (!facts) {
      facts = analyseOperation(current, index, query, operationName);
      known.set(cacheKey, facts);
    }
    return facts;
  };
}
