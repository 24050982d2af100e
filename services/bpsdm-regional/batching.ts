import { isUuid, objectKeyLoader } from '@coop/common';
import type DataLoader from 'dataloader';

/** A parent (an office, a run, a librarian…) and the arguments its field was asked with. */
export interface ParentKey<TArgs> {
  parentId: string;
  args: TArgs;
}

/**
 * A DataLoader for a field that takes arguments (a filter, a page, a year) on many parents.
 * Keys asked in the same tick are grouped by identical arguments; each group costs one call of
 * `fetch` (one SQL statement) for all its parents. Parents whose id is not a UUID get `empty`
 * without reaching SQL. Build the `args` objects with a fixed key order: keys are compared as
 * JSON.
 */
export function perParentLoader<TArgs extends object, V>(
  fetch: (parentIds: string[], args: TArgs) => Promise<Map<string, V>>,
  empty: () => V,
): DataLoader<ParentKey<TArgs>, V, string> {
  return objectKeyLoader<ParentKey<TArgs>, V>(async (keys) => {
    const groups = new Map<string, { args: TArgs; parentIds: Set<string> }>();
    for (const { parentId, args } of keys) {
      if (!isUuid(parentId)) continue;
      const argsKey = JSON.stringify(args);
      const group = groups.get(argsKey) ?? { args, parentIds: new Set<string>() };
      group.parentIds.add(parentId);
      groups.set(argsKey, group);
    }
    const results = new Map<string, Map<string, V>>();
    await Promise.all(
      [...groups].map(async ([argsKey, group]) => {
        results.set(argsKey, await fetch([...group.parentIds], group.args));
      }),
    );
    return keys.map(
      ({ parentId, args }) => results.get(JSON.stringify(args))?.get(parentId) ?? empty(),
    );
  });
}
