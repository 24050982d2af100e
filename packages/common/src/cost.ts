import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * A list that declares no `@listSize` is counted as this many items (Hive Gateway's
 * `demandControl.listSize`, Apollo Router's `static_estimated.list_size`).
 */
export const DEFAULT_LIST_SIZE = 20;

/**
 * The most fields an estimate walks, fragments spread: a document that spreads fragments into
 * more (aliases at every level) is refused rather than counted, as graphql-query-complexity's
 * node limit did.
 */
export const MAX_COSTED_FIELDS = 100_000;

/** What a mutation costs before its fields (the demand-control specification's operation cost). */
export const MUTATION_COST = 10;

/** One field's `@listSize`, as its owner declared it. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
  requireOneSlicingArgument?: boolean;
}

/** The owners' demand-control declarations of one SDL, by `Type.field` and `Type`. */
export interface CostDirectives {
  fieldWeights: Map<string, number>;
  listSizes: Map<string, ListSize>;
  /** `@cost` on an object, scalar or enum: what any field returning it costs instead of 0 or 1. */
  typeWeights: Map<string, number>;
  /** `@cost` on an argument, by `Type.field(argument)`: added when the argument is given. */
  argumentWeights: Map<string, number>;
}

const COST_NAMES = new Set(['cost', 'federation__cost']);
const LIST_SIZE_NAMES = new Set(['listSize', 'federation__listSize']);

function directiveArguments(directive: DirectiveNode): Record<string, unknown> {
  return Object.fromEntries(
    (directive.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]),
  );
}

function weightOf(directives: readonly DirectiveNode[] | undefined): number | undefined {
  const cost = directives?.find((d) => COST_NAMES.has(d.name.value));
  const weight = cost && Number(directiveArguments(cost).weight);
  return weight ? weight : undefined;
}

/**
 * Reads `@cost` and `@listSize` from an SDL: a subgraph's own (the names it imports from the
 * federation link) or the supergraph (composed from the owners', under the same names).
 */
export function costDirectivesOf(sdl: DocumentNode): CostDirectives {
  const directives: CostDirectives = {
    fieldWeights: new Map(),
    listSizes: new Map(),
    typeWeights: new Map(),
    argumentWeights: new Map(),
  };
  for (const definition of sdl.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const typeWeight = weightOf(definition.directives);
    if (typeWeight !== undefined) directives.typeWeights.set(typeName, typeWeight);
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    for (const field of definition.fields ?? []) {
      const key = `${typeName}.${field.name.value}`;
      const weight = weightOf(field.directives);
      if (weight !== undefined) directives.fieldWeights.set(key, weight);
      const listSize = field.directives?.find((d) => LIST_SIZE_NAMES.has(d.name.value));
      if (listSize) directives.listSizes.set(key, directiveArguments(listSize) as ListSize);
      for (const arg of field.arguments ?? []) {
        const argumentWeight = weightOf(arg.directives);
        if (argumentWeight !== undefined) {
          directives.argumentWeights.set(`${key}(${arg.name.value})`, argumentWeight);
        }
      }
    }
  }
  return directives;
}

/**
 * Introspection's lists hold the schema's own items: how many types the schema has, and, per
 * type, how many fields, input fields, enum values… on average over every type (a scalar has
 * none of them, an enum only values), so that `types { fields … inputFields … enumValues … }`
 * counts the schema's real totals. A standard introspection query (GraphiQL, Code Generator,
 * `getIntrospectionQuery()` with every option) then costs about what it returns, while a query
 * that walks the schema in circles (`fields { type { fields { type { … } } } }`) multiplies like
 * the answer it would build.
 */
export function introspectionListSizes(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  const perType = (count: (type: (typeof types)[number]) => number) =>
    types.reduce((sum, type) => sum + count(type), 0) / Math.max(1, types.length);
  const fieldsOf = (type: (typeof types)[number]) =>
    isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
  const fields = types.flatMap(fieldsOf);
  const average = (total: number, count: number) => total / Math.max(1, count);
  return {
    '__Schema.types': types.length,
    '__Schema.directives': directives.length,
    '__Type.fields': perType((type) => fieldsOf(type).length),
    '__Type.inputFields': perType((type) =>
      isInputObjectType(type) ? Object.keys(type.getFields()).length : 0,
    ),
    '__Type.enumValues': perType((type) => (isEnumType(type) ? type.getValues().length : 0)),
    '__Type.interfaces': perType((type) =>
      isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0,
    ),
    '__Type.possibleTypes': perType((type) =>
      isAbstractType(type) ? schema.getPossibleTypes(type).length : 0,
    ),
    '__Field.args': average(
      fields.reduce((sum, field) => sum + field.args.length, 0),
      fields.length,
    ),
    '__Directive.args': average(
      directives.reduce((sum, directive) => sum + directive.args.length, 0),
      directives.length,
    ),
    '__Directive.locations': average(
      directives.reduce((sum, directive) => sum + directive.locations.length, 0),
      directives.length,
    ),
  };
}

const introspectionSizesBySchema = new WeakMap<GraphQLSchema, Record<string, number>>();

function introspectionSizesOf(schema: GraphQLSchema): Record<string, number> {
  let sizes = introspectionSizesBySchema.get(schema);
  if (!sizes) {
    sizes = introspectionListSizes(schema);
    introspectionSizesBySchema.set(schema, sizes);
  }
  return sizes;
}

function listDepth(type: GraphQLOutputType): number {
  let depth = 0;
  let current: GraphQLOutputType = type;
  for (;;) {
    if (isNonNullType(current)) current = current.ofType;
    else if (isListType(current)) {
      depth += 1;
      current = current.ofType;
    } else return depth;
  }
}

function costError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * The estimated cost of an operation, by the demand-control specification the routers implement
 * (IBM's GraphQL Cost Directive, as Apollo Router and Hive Gateway read `@cost`/`@listSize`):
 * - a field returning an object, interface or union costs 1, a scalar or enum 0, or the
 *   `@cost` weight of the type it returns; its own `@cost` weight, and those of the arguments
 *   given, are added to that;
 * - a field costs its own cost and its selections' times its list factor: its slicing argument's
 *   value (`first`, at least 1), else its `assumedSize`, else DEFAULT_LIST_SIZE per list level,
 *   and 1 for a field that returns no list; with `sizedFields`, the factor applies to those
 *   child fields (a connection's `edges`) instead of the field itself;
 * - a mutation adds MUTATION_COST.
 * Fields count as execution collects them (by response key; a fragment once per selection set),
 * `@skip`/`@include` are applied, introspection's lists
 * count the schema's own items (introspectionListSizes: every introspection field 1, times its
 * size). `_entities` counts its representations, the subgraphs' one list no SDL sizes.
 * Throws a GraphQLError for variables that do not fit their types.
 */
export function estimateCost(
  schema: GraphQLSchema,
  directives: CostDirectives,
  document: DocumentNode,
  operationName: string | undefined,
  rawVariables: Record<string, unknown>,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) throw costError('The operation to cost was not found in the document');
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    rawVariables ?? {},
  );
  if (coerced.errors) throw costError(coerced.errors.map((error) => error.message).join('; '));
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }

  // As execution decides it (graphql-js's shouldIncludeNode).
  const included = (node: SelectionNode): boolean =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;

  const fieldDefinition = (
    parent: GraphQLCompositeType,
    name: string,
  ): GraphQLField<unknown, unknown> | undefined => {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  };

  interface Collected {
    parent: GraphQLCompositeType;
    nodes: FieldNode[];
    path: Set<string>;
  }

  /**
   * The fields of selection sets as execution collects them (graphql-js's collectFields): by
   * response key and type, a fragment spread again in the same selection set adding nothing.
   * `path` keeps a document that skipped validation's cycle check finite.
   */
  const collect = (
    parent: GraphQLCompositeType,
    selectionSet: SelectionSetNode,
    path: ReadonlySet<string>,
    expanded: Set<string>,
    fields: Map<string, Collected>,
  ): void => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = `${parent.name}.${selection.alias?.value ?? selection.name.value}`;
        const known = fields.get(key);
        if (known) {
          known.nodes.push(selection);
          for (const name of path) known.path.add(name);
        } else {
          fields.set(key, { parent, nodes: [selection], path: new Set(path) });
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        if (condition && isCompositeType(condition)) {
          collect(condition, selection.selectionSet, path, expanded, fields);
        }
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || expanded.has(name) || path.has(name)) continue;
        expanded.add(name);
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (condition && isCompositeType(condition)) {
          collect(condition, fragment.selectionSet, new Set([...path, name]), expanded, fields);
        }
      }
    }
  };

  let costed = 0;

  /** The cost of the fields of selection sets, each with the factor its parent gives it. */
  const selectionsCost = (
    parent: GraphQLCompositeType,
    selectionSets: readonly SelectionSetNode[],
    sized: ReadonlyMap<string, number>,
    path: ReadonlySet<string>,
  ): number => {
    const fields = new Map<string, Collected>();
    const expanded = new Set<string>();
    for (const selectionSet of selectionSets) collect(parent, selectionSet, path, expanded, fields);
    let total = 0;
    for (const field of fields.values()) {
      costed += 1;
      if (costed > MAX_COSTED_FIELDS) {
        throw new GraphQLError(
          `The operation has more than ${MAX_COSTED_FIELDS} fields once its fragments are spread`,
          { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } },
        );
      }
      total += fieldCost(field.parent, field.nodes, sized, field.path);
    }
    return total;
  };

  const introspectionSizes = () => introspectionSizesOf(schema);

  /** One response key's field: its arguments are the same in every node (validation). */
  const fieldCost = (
    parent: GraphQLCompositeType,
    nodes: readonly FieldNode[],
    sized: ReadonlyMap<string, number>,
    path: ReadonlySet<string>,
  ): number => {
    const node = nodes[0]!;
    const field = fieldDefinition(parent, node.name.value);
    if (!field) return 0;
    const named = getNamedType(field.type);
    const selectionSets = nodes.flatMap((each) => each.selectionSet ?? []);
    const children = (childSized: ReadonlyMap<string, number>) =>
      isCompositeType(named) ? selectionsCost(named, selectionSets, childSized, path) : 0;
    if (parent.name.startsWith('__')) {
      const size = introspectionSizes()[`${parent.name}.${field.name}`] ?? 1;
      return size * (1 + children(new Map()));
    }
    const key = `${parent.name}.${field.name}`;
    const args = () => getArgumentValues(field, node, variables);
    let own = directives.typeWeights.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
    own += directives.fieldWeights.get(key) ?? 0;
    for (const arg of node.arguments ?? []) {
      own += directives.argumentWeights.get(`${key}(${arg.name.value})`) ?? 0;
    }

    let factor = 1;
    let childSized: ReadonlyMap<string, number> = new Map();
    const listSize = directives.listSizes.get(key);
    const sizedFactor = sized.get(field.name);
    if (sizedFactor !== undefined) {
      factor = sizedFactor;
    } else if (field.name === '_entities') {
      const representations = args().representations;
      factor = Array.isArray(representations) ? Math.max(1, representations.length) : 1;
    } else if (listSize?.slicingArguments?.length) {
      const values = args();
      const given = listSize.slicingArguments
        .map((name) => values[name])
        .filter((value): value is number => typeof value === 'number');
      if (given.length > 1 && listSize.requireOneSlicingArgument !== false) {
        throw costError(
          `Only one of ${listSize.slicingArguments.join(', ')} may be given to ${key}`,
        );
      }
      // An absent or null slicing argument returns the page its resolver chooses.
      const size = given.length
        ? Math.max(1, ...given)
        : (listSize.assumedSize ?? DEFAULT_LIST_SIZE);
      if (listSize.sizedFields?.length) {
        childSized = new Map(listSize.sizedFields.map((name) => [name, size]));
      } else {
        factor = size;
      }
    } else if (listSize?.assumedSize) {
      factor = listSize.assumedSize;
    } else {
      const depth = listDepth(field.type);
      if (depth > 0) factor = DEFAULT_LIST_SIZE * depth;
    }
    return factor * (own + children(childSized));
  };

  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) throw costError(`The schema has no ${operation.operation} type`);
  const base = operation.operation === 'mutation' ? MUTATION_COST : 0;
  // Introspection's averages are fractional: a whole cost, never below what is counted.
  return Math.ceil(base + selectionsCost(root, [operation.selectionSet], new Map(), new Set()));
}

/** Reported as validation errors (HTTP 400), not thrown: a thrown error would be a 500. */
const report = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
  ],
};

/** Depth and alias limits (GraphQL Armor) as validation rules. */
export function depthAndAliasRules(maxDepth: number, maxAliases: number): ValidationRule[] {
  return [
    maxDepthRule({ n: maxDepth, ...report }) as unknown as ValidationRule,
    maxAliasesRule({ n: maxAliases, ...report }) as unknown as ValidationRule,
  ];
}
