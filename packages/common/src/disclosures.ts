import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFieldResolver, DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { accessDeclarations } from './access';
import type { Viewer } from './auth';
import { log } from './log';

/**
 * The disclosure trail (docs/decisions/0029): every answer that delivers a personal field (one
 * its owner declares with `@policy`) leaves a record in the owner's own schema of who read which
 * fields of which librarian, in which operation and request. Records are collected while the
 * request resolves and written in one INSERT before the answer leaves the subgraph: an answer
 * whose records could not be written is not sent.
 */

/**
 * The librarians a personal field of a type discloses, given the row (the field's parent) and
 * the value resolved: a librarian's own id, a certification's holder, a run's participants.
 */
export type DisclosedPersons = Record<string, (row: unknown, value: unknown) => readonly string[]>;

/** The personal fields one request delivered, by librarian. */
export class DisclosureCollector {
  private readonly fields = new Map<string, Set<string>>();

  add(persons: readonly string[], coordinate: string): void {
    for (const person of persons) {
      let set = this.fields.get(person);
      if (!set) this.fields.set(person, (set = new Set()));
      set.add(coordinate);
    }
  }

  get size(): number {
    return this.fields.size;
  }

  /** Each librarian with the coordinates delivered, sorted and joined by commas. */
  entries(): [string, string][] {
    return [...this.fields].map(([id, set]) => [id, [...set].sort().join(',')]);
  }
}

export interface DisclosureContext {
  viewer: Viewer;
  disclosures?: DisclosureCollector;
}

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * Wraps every field its SDL declares with `@policy` so that a value delivered is noted in the
 * request's collector. Applied outside `withDeclaredAccess`: a refused field throws before it
 * is noted. Fails at startup when a type with such fields has no `persons` accessor.
 */
export function withDisclosures(
  resolvers: ResolverMap,
  typeDefs: DocumentNode,
  persons: DisclosedPersons,
  service = 'service',
): ResolverMap {
  const result: ResolverMap = { ...resolvers };
  for (const [coordinate, rule] of accessDeclarations(typeDefs)) {
    if (!rule.policies) continue;
    const [type, field] = coordinate.split('.') as [string, string];
    const of = persons[type];
    if (!of) throw new Error(`${service}: personal field ${coordinate} names no person`);
    const fields = { ...(result[type] ?? {}) };
    const inner = fields[field] as GraphQLFieldResolver<unknown, DisclosureContext> | undefined;
    const resolve: GraphQLFieldResolver<unknown, DisclosureContext> =
      inner ?? ((parent) => (parent as Record<string, unknown>)[field]);
    fields[field] = async (
      parent: unknown,
      args: unknown,
      context: DisclosureContext,
      info: never,
    ) => {
      const value: unknown = await resolve(parent, args as Record<string, unknown>, context, info);
      context.disclosures?.add(of(parent, value), coordinate);
      return value;
    };
    result[type] = fields;
  }
  return result;
}

/**
 * The client's operation name: the gateway names a subgraph's operation
 * `<client's name>__<subgraph>__<step>`.
 */
export function clientOperationName(name: string | null | undefined): string | null {
  if (!name) return null;
  return name.replace(/__[\w-]+__\d+$/, '') || null;
}

/** The one statement that writes the records of one or more requests. */
export function disclosureInsert(schema: string): string {
  return `INSERT INTO "${schema}".disclosure
      (request_id, operation, subject, role, province_code, librarian_id, fields)
    SELECT request_id, operation, subject, role, province_code, person, string_to_array(names, ',')
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[])
        AS t (request_id, operation, subject, role, province_code, person, names)`;
}

/** One record: a caller, a request, a librarian and the fields delivered. */
export interface DisclosureRecord {
  requestId: string | null;
  operation: string | null;
  subject: string | null;
  role: string | null;
  provinceCode: string | null;
  librarianId: string;
  /** Coordinates joined by commas. */
  fields: string;
}

/**
 * Writes records as group commit does: while one INSERT runs, the records of the requests that
 * finish meanwhile wait and go together in the next. Each caller's promise settles when the
 * statement holding its records has committed (or failed), so no answer waits for less.
 */
export class TrailWriter {
  private queued: { records: DisclosureRecord[]; settle: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly write: (records: DisclosureRecord[]) => Promise<void>) {}

  append(records: DisclosureRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ records, settle: (error) => (error ? reject(error) : resolve()) });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queued.length) {
      const batch = this.queued;
      this.queued = [];
      try {
        await this.write(batch.flatMap(({ records }) => records));
        for (const { settle } of batch) settle();
      } catch (error) {
        for (const { settle } of batch) settle(error ?? new Error('not written'));
      }
    }
    this.writing = false;
  }
}

/**
 * Writes each request's records on the primary before the answer is sent (requests finishing
 * together share one INSERT). When it fails the answer is replaced by an error: a disclosure
 * reaches the trail or is not made.
 */
export function disclosureTrailPlugin<TContext extends DisclosureContext>(
  primary: DataSource,
  schema: string,
  service: string,
): ApolloServerPlugin<TContext> {
  const sql = disclosureInsert(schema);
  const writer = new TrailWriter(async (records) => {
    const column = <K extends keyof DisclosureRecord>(key: K) => records.map((r) => r[key]);
    await primary.query(sql, [
      column('requestId'),
      column('operation'),
      column('subject'),
      column('role'),
      column('provinceCode'),
      column('librarianId'),
      column('fields'),
    ]);
  });
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, request, response }) {
          const collected = contextValue.disclosures;
          if (!collected?.size || response.body.kind !== 'single') return;
          const { viewer } = contextValue;
          const caller = {
            requestId: request.http?.headers.get('x-request-id') ?? null,
            operation: clientOperationName(request.operationName),
            subject: viewer.subject,
            role: viewer.role,
            provinceCode: viewer.provinceCode,
          };
          try {
            await writer.append(
              collected
                .entries()
                .map(([librarianId, fields]) => ({ ...caller, librarianId, fields })),
            );
          } catch (error) {
            log.error(`${service}: disclosure trail not written, answer withheld`, {
              service,
              error: error instanceof Error ? error.message : String(error),
            });
            response.body.singleResult = {
              errors: [
                {
                  message: `${service} could not record the disclosure of personal data; nothing was sent`,
                  extensions: { code: 'INTERNAL_SERVER_ERROR' },
                },
              ],
            } as typeof response.body.singleResult;
            if (response.http) response.http.status = 500;
          }
        },
      };
    },
  };
}

/**
 * The trail's table in a service's schema, append-only in the database: a trigger refuses
 * every UPDATE, DELETE and TRUNCATE statement, whoever asks (the service's own role included), and the
 * privileges are revoked from everyone else.
 */
export function disclosureTrailMigration(schema: string): string[] {
  const table = `"${schema}".disclosure`;
  return [
    `CREATE TABLE ${table} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      disclosed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      request_id text,
      operation text,
      subject text,
      role text,
      province_code text,
      librarian_id uuid NOT NULL,
      fields text[] NOT NULL CHECK (cardinality(fields) > 0)
    )`,
    `CREATE INDEX disclosure_librarian ON ${table} (librarian_id, disclosed_at)`,
    `CREATE INDEX disclosure_time ON ${table} (disclosed_at)`,
    `CREATE FUNCTION "${schema}".disclosure_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the disclosure trail is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`,
    // For each statement, so that even one that touches no row is refused.
    `CREATE TRIGGER disclosure_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".disclosure_append_only()`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM PUBLIC`,
  ];
}
