import {
  getIntrospectionQuery,
  GraphQLError,
  Kind,
  parse,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** How deep a selection set goes, in fields, following fragments (a cycle counts once). */
function selectionDepth(
  selectionSet: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string> = new Set(),
): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      deepest = Math.max(deepest, 1 + selectionDepth(selection.selectionSet, fragments, visiting));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(selection.selectionSet, fragments, visiting));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A fragment cycle is refused by the specified rules; it must not loop here.
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      deepest = Math.max(deepest, selectionDepth(fragment.selectionSet, fragments, visiting));
      visiting.delete(name);
    }
  }
  return deepest;
}

function fragmentsOf(definitions: readonly { kind: Kind }[]): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments.set(fragment.name.value, fragment);
    }
  }
  return fragments;
}

/** The deepest `__schema`/`__type` selection of a document, `__schema` itself counting 1. */
export function introspectionDepth(document: ReturnType<typeof parse>): number {
  const fragments = fragmentsOf(document.definitions);
  let deepest = 0;
  const visit = (selectionSet: SelectionSetNode, seen: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD && INTROSPECTION_ROOTS.has(selection.name.value)) {
        deepest = Math.max(deepest, 1 + selectionDepth(selection.selectionSet, fragments));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        visit(fragment.selectionSet, seen);
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) visit(definition.selectionSet, new Set());
  }
  return deepest;
}

/**
 * The depth graphql-js's standard introspection query needs with every option on (GraphiQL,
 * GraphQL Code Generator, Hive's and Apollo's CLIs send it or a shallower one): its `TypeRef`
 * fragment unwraps nine `ofType` levels, enough for `[[T!]!]!` and more.
 */
export const MAX_INTROSPECTION_DEPTH = introspectionDepth(
  parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  ),
);

/**
 * Refuses introspection deeper than the standard query (`ofType { ofType { … } }` beyond its
 * nine levels): GraphQL Armor's depth limit leaves `__schema` out, and graphql-js's own rule
 * only counts `fields`/`interfaces`/`possibleTypes`/`inputFields`, not `ofType`.
 */
export function introspectionDepthRule(maxDepth = MAX_INTROSPECTION_DEPTH): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const depth = introspectionDepth(document);
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(
            `Introspection ${depth} levels deep; at most ${maxDepth} are allowed (the depth of the standard introspection query).`,
          ),
        );
      }
    },
  });
}
