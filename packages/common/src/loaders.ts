import DataLoader from 'dataloader';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID: ids of another shape match no row, so they are never sent to SQL. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * A DataLoader for rows found by a unique key: `load(key)` resolves to the row or null.
 * `fetch` receives every key asked for in one tick and runs one query for all of them.
 */
export function byKeyLoader<K, R>(
  fetch: (keys: readonly K[]) => Promise<R[]>,
  keyOf: (row: R) => K,
  validKey: (key: K) => boolean = () => true,
): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(async (keys) => {
    const valid = keys.filter(validKey);
    const rows = valid.length ? await fetch(valid) : [];
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/**
 * A DataLoader for the children of many parents: `load(parentKey)` resolves to the list of
 * rows whose `parentOf(row)` is that key, in the order `fetch` returned them.
 */
export function groupLoader<K, R>(
  fetch: (keys: readonly K[]) => Promise<R[]>,
  parentOf: (row: R) => K,
): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, R[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(parentOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/**
 * A DataLoader whose key is an object (a parent plus arguments such as a year or a page):
 * keys that serialise to the same JSON are asked for once.
 */
export function objectKeyLoader<K extends object, V>(
  batch: (keys: readonly K[]) => Promise<V[]>,
): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(batch, { cacheKeyFn: (key) => JSON.stringify(key) });
}
