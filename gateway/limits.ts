import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import { depthAndAliasRules, intFromEnv, listSizeEstimator } from '@coop/common';
import {
  getOperationAST,
  GraphQLError,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type TypeNode,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { NextFunction, Request, Response } from 'express';
import { introspectionDepthRule } from './introspection-depth';

/** What the gateway accepts, from the environment; every limit answers with a clear error. */
export interface Limits {
  maxDepth: number;
  maxAliases: number;
  /**
   * Cost: every field 1, a list multiplies its subtree by the items it may return: a
   * connection's `first`, or the page its resolver returns when `first` is absent or null
   * (20); a plain list 20 (or its known size). The contract's Agreement operation costs about
   * 12,000.
   */
  maxCost: number;
  maxRootFields: number;
  maxBodyBytes: number;
  maxBatchOperations: number;
  introspection: boolean;
  subgraphTimeoutMs: number;
}

export function limitsFromEnv(): Limits {
  return {
    maxDepth: intFromEnv('MAX_QUERY_DEPTH', 12),
    maxAliases: intFromEnv('MAX_QUERY_ALIASES', 30),
    maxCost: intFromEnv('MAX_QUERY_COST', 100_000),
    maxRootFields: intFromEnv('MAX_ROOT_FIELDS', 20),
    maxBodyBytes: intFromEnv('MAX_BODY_BYTES', 100_000),
    maxBatchOperations: intFromEnv('MAX_BATCH_OPERATIONS', 10),
    introspection: process.env.INTROSPECTION !== 'false',
    subgraphTimeoutMs: intFromEnv('SUBGRAPH_TIMEOUT_MS', 5000),
  };
}

/**
 * Plain lists known to hold more than DEFAULT_LIST_SIZE items, by `Type.field`: one office per
 * province.
 */
export const KNOWN_LIST_SIZES: Readonly<Record<string, number>> = {
  'Query.regionalOffices': 38,
  // At most one mark per field that can be withheld, and one entry per level or year.
  'TrainingStats.withheld': 3,
  'LibrarianStats.withheld': 2,
  'LevelStats.withheld': 1,
  'LibrarianConnection.withheld': 1,
  'LibrarianStats.byLevel': 7,
  'RegionalOffice.trainingByYear': 25,
  'Query.nationalTrainingByYear': 25,
};

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

function introspectionEstimator(schema: GraphQLSchema): ComplexityEstimator {
  let sizes = introspectionSizesBySchema.get(schema);
  if (!sizes) {
    sizes = introspectionListSizes(schema);
    introspectionSizesBySchema.set(schema, sizes);
  }
  const known = sizes;
  return ({ childComplexity, field, type }) => {
    if (!type.name.startsWith('__')) return undefined;
    return (known[`${type.name}.${field.name}`] ?? 1) * (1 + childComplexity);
  };
}

/**
 * The root fields an operation asks for, however written: directly, aliased, or inside named
 * and inline fragments on the root type, nested to any depth. Counted as execution merges them:
 * one per response key (`alias ?? name`); fields under `@skip`/`@include` count too.
 */
export function rootFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const keys = new Set<string>();
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment spread twice adds nothing new; a cycle is refused by validation.
        if (!fragment || visited.has(name)) continue;
        visited.add(name);
        collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return keys.size;
}

/** The cost of an operation, as the limit and the caller's budget count it; throws for bad variables. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): number {
  // Introspection's averages are fractional: a whole cost, never below what is counted.
  const cost = getComplexity({
    schema,
    query: document,
    operationName,
    variables,
    estimators: [
      introspectionEstimator(schema),
      listSizeEstimator(KNOWN_LIST_SIZES),
      simpleEstimator({ defaultComplexity: 1 }),
    ],
  });
  return Math.ceil(cost);
}

/** Costs kept per parsed document, by operation name and variables: at most this many each. */
const COSTS_PER_DOCUMENT = 64;
interface DocumentCosts {
  /** Per operation name: the variables a cost can depend on (see `costVariables`). */
  variablesByOperation: Map<string | null, string[]>;
  costs: Map<string, number>;
}
const costsBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, DocumentCosts>>();

/** Scalars whose value a cost reads: list sizes (`first`) and `@include`/`@skip` conditions. */
const COST_SCALARS = new Set(['Int', 'Float', 'Boolean']);

/**
 * The variables of the operation whose values can change its cost: those of a type built on
 * Int, Float or Boolean (`first: $n`, `@include(if: $b)`). An id, a string or an input object
 * changes what is read, never how much the estimators count (listSizeEstimator reads `first`).
 */
function costVariables(document: DocumentNode, operationName: string | undefined): string[] {
  const operation = getOperationAST(document, operationName);
  return (operation?.variableDefinitions ?? [])
    .filter((definition) => {
      let type: TypeNode = definition.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      return COST_SCALARS.has(type.name.value);
    })
    .map((definition) => definition.variable.name.value)
    .sort();
}

/**
 * operationCost, counted once per document, operation name and the variables it depends on:
 * Apollo Server hands out the same parsed document for the same text, and callers send the
 * same few operations all day, with ids that change nothing of the cost. Counting walks the
 * whole document with type information. A variable that does not fit its type still fails, when
 * Apollo Server coerces the variables (400, BAD_USER_INPUT).
 */
function knownOperationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): number {
  let bySchema = costsBySchema.get(schema);
  if (!bySchema) {
    bySchema = new WeakMap();
    costsBySchema.set(schema, bySchema);
  }
  let known = bySchema.get(document);
  if (!known) {
    known = { variablesByOperation: new Map(), costs: new Map() };
    bySchema.set(document, known);
  }
  let names = known.variablesByOperation.get(operationName ?? null);
  if (!names) {
    names = costVariables(document, operationName);
    known.variablesByOperation.set(operationName ?? null, names);
  }
  const key = JSON.stringify([operationName ?? null, names.map((name) => variables[name] ?? null)]);
  let cost = known.costs.get(key);
  if (cost === undefined) {
    cost = operationCost(schema, document, operationName, variables);
    if (known.costs.size >= COSTS_PER_DOCUMENT) known.costs.clear();
    known.costs.set(key, cost);
  }
  return cost;
}

export function validationRules(limits: Limits): ValidationRule[] {
  return [...depthAndAliasRules(limits.maxDepth, limits.maxAliases), introspectionDepthRule()];
}

function tooExpensive(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 }, ...extensions },
  });
}

/**
 * What the operation's cost is charged to once it is within the limits (caller-budget.ts); it
 * throws the error to answer instead (429) when the caller's budget is spent.
 */
export type ChargeCost = (request: GraphQLRequest, cost: number) => Promise<void>;

/**
 * Refuses, before any subgraph is asked, operations whose cost or root fields exceed the limits,
 * then charges the cost to the caller's budget (`charge`). Apollo Server runs this only for
 * answers it computes: answers from the gateway's response cache cost nothing.
 */
export function costLimitPlugin(limits: Limits, charge?: ChargeCost): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          if (!operation) return;
          const rootFields = rootFieldCount(document, operation);
          if (rootFields > limits.maxRootFields) {
            throw tooExpensive(
              `The operation asks for ${rootFields} root fields; at most ${limits.maxRootFields} are allowed. Split it into several requests.`,
              { rootFields, limit: limits.maxRootFields },
            );
          }
          let cost: number;
          try {
            cost = knownOperationCost(
              schema,
              document,
              request.operationName ?? undefined,
              request.variables ?? {},
            );
          } catch (error) {
            // Variables that do not fit their types: the client's mistake, said plainly.
            throw new GraphQLError((error as Error).message, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          if (cost > limits.maxCost) {
            throw tooExpensive(
              `The operation may cost ${cost} (lists count their \`first\` items); the limit is ${limits.maxCost}. Ask for smaller pages or fewer nested lists.`,
              { cost, limit: limits.maxCost },
            );
          }
          await charge?.(request, cost);
        },
      };
    },
  };
}

/**
 * Express error handler for what happens before GraphQL: a body too large or not JSON gets a
 * GraphQL-shaped error with a code, never an HTML page or a 500.
 */
export function requestErrorHandler(limits: Limits) {
  return (
    error: { type?: string; status?: number },
    _req: Request,
    res: Response,
    next: NextFunction,
  ) => {
    if (error.type === 'entity.too.large') {
      res.status(413).json({
        errors: [
          {
            message: `The request body is larger than ${limits.maxBodyBytes} bytes`,
            extensions: { code: 'PAYLOAD_TOO_LARGE', limit: limits.maxBodyBytes },
          },
        ],
      });
      return;
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      res.status(400).json({
        errors: [
          { message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } },
        ],
      });
      return;
    }
    next(error);
  };
}

/** Batched requests (a JSON array of operations) hold at most `maxBatchOperations`. */
export function batchLimit(limits: Limits) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (Array.isArray(req.body) && req.body.length > limits.maxBatchOperations) {
      res.status(400).json({
        errors: [
          {
            message: `A batch holds at most ${limits.maxBatchOperations} operations, got ${req.body.length}`,
            extensions: { code: 'BATCH_TOO_LARGE', limit: limits.maxBatchOperations },
          },
        ],
      });
      return;
    }
    next();
  };
}
