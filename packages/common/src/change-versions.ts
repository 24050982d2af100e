import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLResolveInfo } from 'graphql';
import type { DataSource } from 'typeorm';

/**
 * Partitions of a subgraph's data and their change versions (docs/decisions/0022): every
 * change to a partition's rows raises its version in the subgraph's own `change_version` table,
 * in the same transaction (a trigger). A read reports the versions of the partitions it read,
 * as they were before it read anything; a write reports the versions after it committed. The
 * gateway keeps an answer only while the versions it read are current: a write in one province
 * leaves every other province's answers in the cache.
 */

/** On a query's response: `scope=version,…` of what it read; empty when it read no partition. */
export const READ_VERSIONS_HEADER = 'x-coop-read-versions';
/** On a mutation's response: every partition's version once the mutation has committed. */
export const CHANGED_VERSIONS_HEADER = 'x-coop-changed-versions';

/** Every row of the subgraph: what a read depends on when it is not confined to a partition. */
export const ALL_PARTITIONS = '*';

/** The partition of one province's rows. */
export const provincePartition = (provinceCode: string) => `province:${provinceCode}`;

/** A scope as it travels in a header: no separators, nothing a header could not carry. */
const SCOPE = /^[A-Za-z0-9:*_.-]{1,64}$/;

export function formatVersions(versions: ReadonlyMap<string, number>): string {
  return [...versions]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([scope, version]) => `${scope}=${version}`)
    .join(',');
}

/** The versions a header carries; null when it is not one this module wrote. */
export function parseVersions(header: string): Map<string, number> | null {
  const versions = new Map<string, number>();
  if (header.trim() === '') return versions;
  for (const part of header.split(',')) {
    const equals = part.lastIndexOf('=');
    const scope = part.slice(0, equals);
    const version = Number(part.slice(equals + 1));
    if (equals < 0 || !SCOPE.test(scope) || !Number.isSafeInteger(version) || version < 0) {
      return null;
    }
    versions.set(scope, version);
  }
  return versions;
}

/**
 * What a root field read: its partitions, from its arguments, its result and the caller.
 * A root field without a rule read every partition (ALL_PARTITIONS).
 */
export type PartitionRule<TContext> = (
  args: Record<string, unknown>,
  result: unknown,
  context: TContext,
) => string[] | Promise<string[]>;

export interface Partitions<TContext> {
  /** The PostgreSQL schema holding `change_version`. */
  schema: string;
  /** `Query.field` → what it read; nested fields read within their root field's partitions. */
  rules: Record<string, PartitionRule<TContext>>;
  /**
   * `Type.field`s that read every partition wherever they are asked: an aggregate whose
   * disclosure control depends on every province's counts (decision 23).
   */
  readEverywhere?: readonly string[];
}

async function readAll(db: DataSource, schema: string): Promise<Map<string, number>> {
  const rows: { scope: string; version: string }[] = await db.query(
    `SELECT scope, version FROM "${schema}".change_version`,
  );
  return new Map(rows.map((row) => [row.scope, Number(row.version)]));
}

const isRootField = (info: GraphQLResolveInfo) => info.path.prev === undefined;

/**
 * Reports change versions on every answer of the subgraph. Without `partitions`, a subgraph
 * reports that its reads depend on no partition: its writes then refresh every answer that
 * read it (they carry no versions, and the gateway advances the subgraph's generation).
 */
export function changeVersionsPlugin<TContext extends BaseContext & { db: DataSource }>(
  partitions?: Partitions<TContext>,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let before: Map<string, number> | undefined;
      const scopes: (string[] | Promise<string[]>)[] = [];
      return {
        async executionDidStart({ operation, contextValue }) {
          // After every plugin's didResolveOperation: the read routing has chosen the database.
          if (!partitions || operation.operation !== 'query') return;
          // Unreadable: no header, and the gateway stores nothing of this answer.
          before = await readAll(contextValue.db, partitions.schema).catch(() => undefined);
          if (!before) return;
          return {
            willResolveField({ info, args }) {
              if (!isRootField(info)) {
                const coordinate = `${info.parentType.name}.${info.fieldName}`;
                if (partitions.readEverywhere?.includes(coordinate)) scopes.push([ALL_PARTITIONS]);
                return;
              }
              if (info.fieldName.startsWith('__')) return;
              if (info.fieldName === '_service') return;
              const rule = partitions.rules[`${info.parentType.name}.${info.fieldName}`];
              return (error, result) => {
                if (error) return;
                const read = async () =>
                  rule ? rule(args, result, contextValue) : [ALL_PARTITIONS];
                // A rule that cannot tell: the field read every partition.
                scopes.push(read().catch(() => [ALL_PARTITIONS]));
              };
            },
          };
        },
        async willSendResponse({ response, operation, contextValue }) {
          const headers = response.http.headers;
          if (operation?.operation === 'query') {
            if (!partitions) {
              headers.set(READ_VERSIONS_HEADER, '');
              return;
            }
            // No versions read (the operation never ran): nothing to report, nothing stored.
            if (!before) return;
            const read = new Map<string, number>();
            for (const scope of (await Promise.all(scopes)).flat()) {
              // A scope made of a caller's argument that no partition has (`province:∞`): no
              // row can be in it, and the header could not carry it; every partition, then.
              const partition = SCOPE.test(scope) ? scope : ALL_PARTITIONS;
              read.set(partition, before.get(partition) ?? 0);
            }
            headers.set(READ_VERSIONS_HEADER, formatVersions(read));
          } else if (operation?.operation === 'mutation' && partitions) {
            // Unreadable: no header, and the gateway refreshes every answer that read us.
            const after = await readAll(contextValue.db, partitions.schema).catch(() => undefined);
            if (after) headers.set(CHANGED_VERSIONS_HEADER, formatVersions(after));
          }
        },
      };
    },
  };
}
