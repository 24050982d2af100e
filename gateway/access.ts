import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import { accessDeclarations, requestRefusal, type AccessDeclarations } from '@coop/common';
import {
  getNamedType,
  isObjectType,
  Kind,
  parse,
  print,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayContext } from './graphql-handler';
import { indexSupergraph } from './operation-analysis';

/** A field refused at the edge: where its answers go (response keys from the root) and why. */
export interface Refused {
  path: string[];
  error: GraphQLError;
  /** The subgraph that owns the field, as Apollo Gateway names it in its errors. */
  serviceName?: string;
}

interface Walk {
  schema: GraphQLSchema;
  declarations: AccessDeclarations;
  viewer: NonNullable<GatewayContext['viewer']>;
  fragments: Map<string, FragmentDefinitionNode>;
  refused: Refused[];
  ownerOf?: (coordinate: string) => string | undefined;
}

/** What stands in for a refused field: its response key, answered by the parent's `__typename`. */
function placeholder(node: FieldNode, key: string): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: key },
    name: { kind: Kind.NAME, value: '__typename' },
    directives: node.directives,
  };
}

function rewriteSet(
  set: SelectionSetNode,
  parent: GraphQLCompositeType,
  path: string[],
  walk: Walk,
): SelectionSetNode {
  const selections = set.selections.map((selection): SelectionNode => {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments.get(selection.name.value)!;
      const type = walk.schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType;
      return {
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: selection.directives,
        selectionSet: rewriteSet(fragment.selectionSet, type, path, walk),
      };
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? (walk.schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType)
        : parent;
      return { ...selection, selectionSet: rewriteSet(selection.selectionSet, type, path, walk) };
    }
    const name = selection.name.value;
    if (name.startsWith('__') || !isObjectType(parent)) return selection;
    const definition = parent.getFields()[name];
    if (!definition) return selection;
    const key = selection.alias?.value ?? name;
    const coordinate = `${parent.name}.${name}`;
    const rule = walk.declarations.get(coordinate);
    const refusal = rule && requestRefusal(rule, coordinate, walk.viewer);
    if (refusal) {
      walk.refused.push({
        path: [...path, key],
        error: refusal,
        serviceName: walk.ownerOf?.(coordinate),
      });
      return placeholder(selection, key);
    }
    if (!selection.selectionSet) return selection;
    const type = getNamedType(definition.type) as GraphQLCompositeType;
    return {
      ...selection,
      selectionSet: rewriteSet(selection.selectionSet, type, [...path, key], walk),
    };
  });
  return { ...set, selections };
}

/**
 * The operation without the fields `viewer` may not read by their `@authenticated` and
 * `@requiresScopes` (fragments inlined): each stands as its response key answered by
 * `__typename`, so the planner fetches nothing for it and no selection set becomes empty.
 * Null when nothing is refused: the operation goes on untouched.
 */
export function withoutRefused(
  schema: GraphQLSchema,
  declarations: AccessDeclarations,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  viewer: Walk['viewer'],
  ownerOf?: Walk['ownerOf'],
): { document: DocumentNode; operation: OperationDefinitionNode; refused: Refused[] } | null {
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const walk: Walk = { schema, declarations, viewer, fragments, refused: [], ownerOf };
  const selectionSet = rewriteSet(operation.selectionSet, root, [], walk);
  if (walk.refused.length === 0) return null;
  const rewritten: OperationDefinitionNode = { ...operation, selectionSet };
  return {
    document: { kind: Kind.DOCUMENT, definitions: [rewritten] },
    operation: rewritten,
    refused: walk.refused,
  };
}

/**
 * Puts back what the subgraph would have answered for each refused field: null, and its error
 * with the concrete path (list indexes included), wherever its parent object was answered.
 */
export function answerRefused(
  data: Record<string, unknown> | null | undefined,
  refused: Refused[],
): GraphQLFormattedError[] {
  const errors: GraphQLFormattedError[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, item: Refused, depth: number, at: (string | number)[]) => {
    const { path, error, serviceName } = item;
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((element, index) => visit(element, item, depth, [...at, index]));
      return;
    }
    const key = path[depth]!;
    const object = value as Record<string, unknown>;
    if (!(key in object)) return;
    if (depth < path.length - 1) {
      visit(object[key], item, depth + 1, [...at, key]);
      return;
    }
    const where = [...at, key];
    const id = JSON.stringify(where);
    if (seen.has(id)) return;
    seen.add(id);
    object[key] = null;
    errors.push({
      message: error.message,
      path: where,
      extensions: { ...error.extensions, ...(serviceName ? { serviceName } : {}) },
    });
  };
  for (const item of refused) visit(data, item, 0, []);
  return errors;
}

/**
 * Enforces the owners' `@authenticated` and `@requiresScopes`, read from the supergraph, at the
 * edge (docs/decisions/0026): after validation and before planning, a field the caller may not
 * read is taken out of the operation, so no subgraph is asked for it, and the answer carries
 * null there with the error the owner would give (UNAUTHENTICATED without a token, FORBIDDEN
 * with the reason otherwise). `@policy` needs the row: the owning subgraph evaluates it.
 */
export function edgeAccessPlugin(
  supergraphSdl: string,
  maxEntries = 2000,
): ApolloServerPlugin<GatewayContext> {
  const declarations = accessDeclarations(parse(supergraphSdl));
  const index = indexSupergraph(supergraphSdl);
  const ownerOf = (coordinate: string) => {
    const [type, field] = coordinate.split('.') as [string, string];
    return index.get(type)?.get(field)?.owners[0];
  };
  // What the edge does to an operation depends only on its text and the caller's role: each
  // pair is walked once (dashboards send the same few operations all day).
  const known = new LRUCache<
    string,
    { rewritten: ReturnType<typeof withoutRefused>; queryHash?: string }
  >({ max: maxEntries });
  return {
    async requestDidStart() {
      let refused: Refused[] = [];
      return {
        async didResolveOperation(requestContext) {
          const viewer = requestContext.contextValue.viewer;
          const { document, operation, schema } = requestContext;
          if (!viewer || !operation) return;
          const role = viewer.role ?? (viewer.authenticated ? '(no role)' : '(anonymous)');
          const key = JSON.stringify([
            requestContext.queryHash,
            requestContext.operationName,
            role,
          ]);
          let entry = known.get(key);
          if (!entry) {
            const rewritten = withoutRefused(
              schema,
              declarations,
              document,
              operation,
              viewer,
              ownerOf,
            );
            // The gateway keys its query plans on queryHash: the rewritten operation has its own.
            const queryHash =
              rewritten && createHash('sha256').update(print(rewritten.document)).digest('hex');
            entry = { rewritten, queryHash: queryHash ?? undefined };
            known.set(key, entry);
          }
          const { rewritten, queryHash } = entry;
          if (!rewritten || !queryHash) return;
          refused = rewritten.refused;
          const mutable = requestContext as {
            -readonly [
              K in keyof GraphQLRequestContextDidResolveOperation<GatewayContext>
            ]: GraphQLRequestContextDidResolveOperation<GatewayContext>[K];
          };
          mutable.document = rewritten.document;
          mutable.operation = rewritten.operation;
          mutable.queryHash = queryHash;
        },
        async willSendResponse({ response }) {
          // Synchronous, and registered before the plugins that count and record errors.
          if (!refused.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const errors = answerRefused(result.data, refused);
          if (errors.length) result.errors = [...(result.errors ?? []), ...errors];
        },
      };
    },
  };
}

const ACCESS_FEATURES =
  /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v0\.1"), for: SECURITY\)/g;

/**
 * The supergraph as @apollo/gateway is given it. Composition links the access features `for:
 * SECURITY`, and @apollo/gateway refuses to load a security feature it does not enforce (so a
 * stock gateway fails closed). This one enforces them itself, at the edge (`edgeAccessPlugin`)
 * and in every subgraph (@coop/common's access.ts), so it loads them as plain links; any other
 * security feature still fails the load.
 */
export function enforcedSupergraph(supergraphSdl: string): string {
  return supergraphSdl.replace(ACCESS_FEATURES, '$1)');
}
