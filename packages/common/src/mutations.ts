import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { QueryFailedError, type DataSource, type EntityManager, type EntityTarget } from 'typeorm';
import type { z } from 'zod';
import type { Role, Viewer } from './auth';
import { userError } from './errors';
import { groupLoader, isUuid } from './loaders';

/**
 * Validates mutation input with a zod schema. The first problem is reported as BAD_USER_INPUT
 * with the path of the field at fault (`input.validFrom`) and a sentence a person can act on;
 * every problem is listed in `extensions.problems`.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  root = 'input',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    field: [root, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = problems[0]!;
  throw userError('BAD_USER_INPUT', `${first.field}: ${first.message}`, {
    field: first.field,
    problems,
  });
}

/** BAD_USER_INPUT on one field, in the form `parseInput` gives: `field: message`. */
export function inputError(field: string, message: string) {
  return userError('BAD_USER_INPUT', `${field}: ${message}`, {
    field,
    problems: [{ field, message }],
  });
}

/** Only these roles may run the mutation (admins always may). */
export function requireRole(viewer: Viewer, ...roles: Role[]): void {
  if (viewer.role === 'admin' || (viewer.role && roles.includes(viewer.role))) return;
  if (!viewer.authenticated) {
    throw new GraphQLError('Changing data needs a token: sign in first', {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  }
  throw new GraphQLError('Your role may not make this change', {
    extensions: { code: 'FORBIDDEN' },
  });
}

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

/**
 * Runs a mutation in one transaction with its audit record: either the change and its audit
 * row are both committed, or neither is.
 */
export async function auditedTransaction<T>(
  db: DataSource,
  schema: string,
  viewer: Viewer,
  work: (manager: EntityManager, audit: (entry: AuditEntry) => Promise<void>) => Promise<T>,
): Promise<T> {
  return db.transaction(async (manager) => {
    const audit = async (entry: AuditEntry) => {
      await manager.query(
        `INSERT INTO "${schema}".audit_record (actor, role, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          viewer.subject ?? 'anonymous',
          viewer.role,
          entry.action,
          entry.entity,
          entry.entityId,
          entry.before === null ? null : JSON.stringify(entry.before),
          entry.after === null ? null : JSON.stringify(entry.after),
        ],
      );
    };
    return work(manager, audit);
  });
}

/**
 * The owner of a caller's idempotency keys: subject, role and province together. Two callers
 * never share a key, even when their tokens share a subject (the development tokens of two
 * provinces' operators are both `dev-regional-operator`).
 */
export function idempotencyActor(viewer: Viewer): string {
  return JSON.stringify([viewer.subject ?? 'anonymous', viewer.role, viewer.provinceCode]);
}

/** `value` as JSON with every object's keys sorted, undefined left out: equal inputs, one text. */
function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined && field !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The fingerprint an idempotency key is bound to: a SHA-256 of the operation's validated input
 * (its clientKey left out), keys sorted, absent and null alike.
 */
export function inputFingerprint(input: unknown): string {
  const { clientKey: _key, ...rest } =
    input && typeof input === 'object' && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : { value: input };
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

export interface IdempotencyScope {
  /** `idempotencyActor(viewer)`. */
  actor: string;
  operation: string;
  clientKey: string | null | undefined;
  /** What the request asks for (`inputFingerprint` of it); a reuse must ask the same. */
  input: unknown;
  /** The argument that carries the key, for `extensions.field`: `clientKey`, `input.clientKey`. */
  field?: string;
}

/**
 * A key already used by this caller for this operation with another input: refused, as the
 * IETF Idempotency-Key draft (422) and Stripe do, never answered with the first result.
 */
function keyReused(scope: IdempotencyScope): GraphQLError {
  const field = scope.field ?? 'clientKey';
  return new GraphQLError(
    `${field}: this key was already used for ${scope.operation} with a different input; send a new key for a new request, or the very same input to get the first result again`,
    {
      extensions: {
        code: 'IDEMPOTENCY_KEY_REUSED',
        field,
        operation: scope.operation,
        status: 422,
      },
    },
  );
}

/**
 * Makes a create idempotent: the first request with a client key records the id it created and
 * the fingerprint of its input; a retry with the same key (same caller: subject, role and
 * province; same operation) and the same input gets that id back and creates nothing; the same
 * key with another input is refused with IDEMPOTENCY_KEY_REUSED. Runs inside the mutation's
 * transaction, so a failed create records no key. A concurrent retry waits on the key's row
 * lock until the first commits.
 */
export async function idempotentCreate(
  manager: EntityManager,
  schema: string,
  scope: IdempotencyScope,
  create: () => Promise<string>,
): Promise<{ id: string; replayed: boolean }> {
  if (!scope.clientKey) return { id: await create(), replayed: false };
  const fingerprint = inputFingerprint(scope.input);
  const claimed: unknown[] = await manager.query(
    `INSERT INTO "${schema}".idempotency_key (actor, operation, client_key, fingerprint)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING client_key`,
    [scope.actor, scope.operation, scope.clientKey, fingerprint],
  );
  if (claimed.length === 0) {
    const [row] = await manager.query(
      `SELECT result_id, fingerprint FROM "${schema}".idempotency_key
        WHERE actor = $1 AND operation = $2 AND client_key = $3`,
      [scope.actor, scope.operation, scope.clientKey],
    );
    // A key recorded before fingerprints were (null) replays as it did then.
    if (row.fingerprint !== null && row.fingerprint !== fingerprint) throw keyReused(scope);
    return { id: row.result_id as string, replayed: true };
  }
  const id = await create();
  await manager.query(
    `UPDATE "${schema}".idempotency_key SET result_id = $4
      WHERE actor = $1 AND operation = $2 AND client_key = $3`,
    [scope.actor, scope.operation, scope.clientKey, id],
  );
  return { id, replayed: false };
}

/**
 * Optimistic concurrency: the update names the version the client last read; a row whose version
 * moved on since was changed by someone else, and the write is refused with CONFLICT.
 */
export function staleWrite(entity: string, id: string, expected: number, actual: number) {
  return userError(
    'CONFLICT',
    `${entity} ${id} was changed by someone else (version ${actual}, you sent ${expected}): read it again and retry`,
    { expectedVersion: expected, actualVersion: actual },
  );
}

export function notFound(entity: string, id: string) {
  return userError('NOT_FOUND', `No ${entity} has id ${id}`, { entity, id });
}

/** SQL for a service's audit and idempotency tables, run by its migration. */
export function auditTablesSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".audit_record (
       id bigserial PRIMARY KEY,
       at timestamptz NOT NULL DEFAULT now(),
       actor text NOT NULL,
       role text,
       action text NOT NULL,
       entity text NOT NULL,
       entity_id text NOT NULL,
       before jsonb,
       after jsonb
     )`,
    `CREATE INDEX audit_record_entity_idx ON "${schema}".audit_record (entity, entity_id, at DESC)`,
    `CREATE TABLE "${schema}".idempotency_key (
       actor text NOT NULL,
       operation text NOT NULL,
       client_key text NOT NULL CHECK (length(client_key) BETWEEN 1 AND 200),
       result_id text,
       created_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (actor, operation, client_key)
     )`,
  ];
}

/**
 * SQL of the migration that binds idempotency keys to their input: the fingerprint column (null
 * for keys recorded before it). The actor column now holds `idempotencyActor` (subject, role
 * and province), so keys recorded before stay with the bare subject and match no caller.
 */
export function idempotencyFingerprintSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".idempotency_key ADD COLUMN fingerprint text`];
}

export function idempotencyFingerprintDownSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".idempotency_key DROP COLUMN fingerprint`];
}

export interface AuditRecordView {
  at: string;
  actor: string;
  role: string | null;
  action: string;
  before: string | null;
  after: string | null;
}

/**
 * Loads the audit trails of many objects in one statement; keys are `Entity/id` (for example
 * `Agreement/6f1c…`), each trail newest first. The id is everything after the first `/`: a
 * certificate's id is its number, `LSP-PUS/2025/000001`, slashes and all.
 */
export function auditTrailLoader(db: DataSource, schema: string) {
  return groupLoader<string, AuditRecordView & { key: string }>(
    (keys) =>
      db.query(
        `SELECT entity || '/' || entity_id AS key, to_char(at AT TIME ZONE 'UTC',
                'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, role, action,
                before::text AS before, after::text AS after
           FROM "${schema}".audit_record
          WHERE (entity, entity_id) IN (
                SELECT split_part(k, '/', 1), substr(k, strpos(k, '/') + 1) FROM unnest($1::text[]) k)
          ORDER BY id DESC`,
        [keys],
      ),
    (row) => row.key,
  );
}

/**
 * Reads a versioned row for update, locking it until the transaction ends: NOT_FOUND when it
 * does not exist, CONFLICT when its version is not the one the client last read.
 */
export async function loadForUpdate<T extends { id: string; version: number }>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  name: string,
  id: string,
  version: number,
): Promise<T> {
  if (!isUuid(id)) throw notFound(name, id);
  const row = await manager
    .getRepository(entity)
    .createQueryBuilder('row')
    .setLock('pessimistic_write')
    .where('row.id = :id', { id })
    .getOne();
  if (!row) throw notFound(name, id);
  if (row.version !== version) throw staleWrite(name, id, version, row.version);
  return row;
}

/**
 * A create in full: one transaction, idempotent on `clientKey` (bound to `input`), with its
 * audit record.
 * `create` inserts the rows and returns the new id and what to record as "after".
 */
export async function auditedCreate(
  db: DataSource,
  schema: string,
  viewer: Viewer,
  options: {
    action: string;
    entity: string;
    clientKey?: string | null;
    /** The validated input the key is bound to (see idempotentCreate). */
    input: unknown;
  },
  create: (manager: EntityManager) => Promise<{ id: string; after: unknown }>,
): Promise<string> {
  return auditedTransaction(db, schema, viewer, async (manager, audit) => {
    const scope: IdempotencyScope = {
      actor: idempotencyActor(viewer),
      operation: options.action,
      clientKey: options.clientKey,
      input: options.input,
      field: 'input.clientKey',
    };
    const result = await idempotentCreate(manager, schema, scope, async () => {
      const { id, after } = await create(manager);
      await audit({
        action: options.action,
        entity: options.entity,
        entityId: id,
        before: null,
        after,
      });
      return id;
    });
    return result.id;
  });
}

/**
 * An update in full: one transaction, the row locked and its version checked, the changed
 * fields saved with the next version, and the audit record of before and after.
 */
export async function auditedUpdate<T extends { id: string; version: number }>(
  db: DataSource,
  schema: string,
  viewer: Viewer,
  options: { action: string; entity: string; target: EntityTarget<T>; id: string; version: number },
  change: (before: T, manager: EntityManager) => Partial<T> | Promise<Partial<T>>,
): Promise<void> {
  await auditedTransaction(db, schema, viewer, async (manager, audit) => {
    const before = await loadForUpdate(
      manager,
      options.target,
      options.entity,
      options.id,
      options.version,
    );
    const after = { ...before, ...(await change(before, manager)), version: before.version + 1 };
    await manager.getRepository(options.target).save(after);
    await audit({
      action: options.action,
      entity: options.entity,
      entityId: options.id,
      before,
      after,
    });
  });
}

/** True for PostgreSQL's unique_violation (23505), to answer CONFLICT with the field at fault. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === '23505'
  );
}
