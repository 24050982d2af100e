import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Parsed documents are reused across requests, so the answer is kept per field node. */
const known = new WeakMap<FieldNode, Set<string>>();

/**
 * Names of every field a client selected anywhere below the current field, through fragments.
 * A list resolver uses it to fetch, once for the whole list, what its items' fields will need.
 * It may name more than will be resolved (a field under `@skip`), never less.
 */
export function selectedFieldNames(info: GraphQLResolveInfo): ReadonlySet<string> {
  const first = info.fieldNodes[0];
  const remembered = first && info.fieldNodes.length === 1 ? known.get(first) : undefined;
  if (remembered) return remembered;
  const names = new Set<string>();
  const seenFragments = new Set<string>();
  const walk = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        names.add(selection.name.value);
        walk(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
  // Fragments are the document's own: the same field node always sees the same fragments.
  if (first && info.fieldNodes.length === 1) known.set(first, names);
  return names;
}
