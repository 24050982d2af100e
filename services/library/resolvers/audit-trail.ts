import type { Context } from './context';

/** The `auditTrail` field of an entity whose key is `keyField`. */
export function auditTrailOf(entity: string, keyField: 'id' | 'number' = 'id') {
  return (parent: Record<string, unknown>, _: unknown, { loaders }: Context) =>
    loaders.auditTrail.load(`${entity}/${String(parent[keyField])}`);
}
