import {
  idempotencyActor,
  inputError,
  isUuid,
  parseInput,
  queryService,
  userError,
  validate,
  type Viewer,
} from '@coop/common';
import { z } from 'zod';
import type { Enrolment, ProgramRun } from '../entities';
import type { Context } from './context';

/** The PostgreSQL schema this service owns: its audit and idempotency tables are there. */
export const SCHEMA = 'bpsdm_regional';

/** An id argument or field: a UUID. */
export const idSchema = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .refine(isUuid, { error: `${name} must be an id (a UUID)` });

/**
 * A calendar date within the domain's span (DATE_SPAN, packages/common/src/domain-spans.ts);
 * the `Date` scalar has checked its form already.
 */
export const dateSchema = (name: string) => validate.isoDate(name);

/** The version of a row a client last read. */
export const versionSchema = z.int({ error: 'version must be a whole number' }).min(1, {
  error: 'version must be 1 or more: send the version you last read',
});

/** The optional idempotency key of a create. */
export const clientKeySchema = z
  .string()
  .min(1, { error: 'clientKey must not be empty' })
  .max(200, { error: 'clientKey must be at most 200 characters' })
  .nullish();

type Shape = Record<string, z.ZodType>;

/**
 * Validates a mutation's top-level arguments, each on its own, so that a problem names the
 * argument itself (`extensions.field` = `runId`), as `parseInput` names `input.quota`.
 */
export function parseArgs<S extends Shape>(
  shape: S,
  args: Record<string, unknown>,
): { [K in keyof S]: z.infer<S[K]> } {
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    parsed[name] = parseInput(schema, args[name], name);
  }
  return parsed as { [K in keyof S]: z.infer<S[K]> };
}

/**
 * A regional operator changes only its own province's office's runs, enrolments and bookings;
 * admins change every office's. The province comes from this service's own tables (or, for a
 * new run, from the input), never from anything another subgraph or the caller asserts.
 */
export function requireOwnOffice(viewer: Viewer, provinceCode: string, what: string): void {
  if (viewer.role === 'admin') return;
  if (viewer.role === 'regional-operator' && viewer.provinceCode === provinceCode) return;
  throw userError(
    'FORBIDDEN',
    `${what} is at the office of province ${provinceCode}; a regional operator of province ${viewer.provinceCode ?? '(none)'} may change only its own office's runs, enrolments and bookings`,
  );
}

/** The SQLSTATE of a failed statement (`23505` unique, `23P01` exclusion), if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a failed statement violated, if any. */
export function violatedConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

/** The owner of the caller's idempotency keys: subject, role and province (mutations.ts). */
export function actorOf(viewer: Viewer): string {
  return idempotencyActor(viewer);
}

/**
 * Asks the owner of a referenced object whether it exists, through its API with the caller's
 * token; a missing object is BAD_USER_INPUT on the argument that named it.
 */
async function requireReference<T>(
  service: 'library' | 'bpsdm-central',
  query: string,
  id: string,
  found: (data: T) => boolean,
  field: string,
  message: string,
  authorization: string | undefined,
): Promise<void> {
  const data = await queryService<T>(service, query, { id }, authorization);
  if (!found(data)) throw inputError(field, message);
}

export function requireProgram(id: string, field: string, context: Context) {
  return requireReference(
    'bpsdm-central',
    'query($id: ID!){ trainingProgram(id: $id) { id } }',
    id,
    (data: { trainingProgram: { id: string } | null }) => data.trainingProgram?.id === id,
    field,
    `No training program has id ${id}`,
    context.authorization,
  );
}

/**
 * The province a librarian works in, asked of its owner (the library) with the caller's token:
 * bpsdm-regional keeps no copy of it. An unknown librarian is BAD_USER_INPUT on `field`.
 */
export async function librarianProvince(
  id: string,
  field: string,
  context: Context,
): Promise<string> {
  const { librarian } = await queryService<{
    librarian: { id: string; provinceCode: string } | null;
  }>(
    'library',
    'query($id: ID!){ librarian(id: $id) { id provinceCode } }',
    { id },
    context.authorization,
  );
  if (librarian?.id !== id) throw inputError(field, `No librarian has id ${id}`);
  return librarian.provinceCode;
}

/**
 * A regional operator enrols only librarians who work in its own province (decision 14): the
 * scores of a librarian of another province would become readable by its office. Admins may
 * place a librarian in another province's run.
 */
export function requireOwnLibrarian(viewer: Viewer, librarianId: string, provinceCode: string) {
  if (viewer.role === 'admin') return;
  if (viewer.role === 'regional-operator' && viewer.provinceCode === provinceCode) return;
  throw userError(
    'FORBIDDEN',
    `Librarian ${librarianId} works in province ${provinceCode}; a regional operator of province ${viewer.provinceCode ?? '(none)'} may enrol only librarians who work in its own province: an admin of BPSDM Kemendagri may place a librarian in another province's run`,
    { field: 'librarianId' },
  );
}

/** library has no `facility(id)` field: its entity resolver answers null for an unknown id. */
export function requireFacility(id: string, field: string, context: Context) {
  return requireReference(
    'library',
    'query($id: ID!){ _entities(representations: [{__typename: "Facility", id: $id}]) { ... on Facility { id } } }',
    id,
    (data: { _entities: ({ id: string } | null)[] }) => data._entities[0]?.id === id,
    field,
    `No facility has id ${id}`,
    context.authorization,
  );
}

/**
 * After a change, this request's loaders must not answer from what they read before it: the
 * changed run is primed with its new row, and the counts of its enrolments are read again.
 */
export function refreshRun(context: Context, run: ProgramRun): void {
  context.loaders.knownRuns.set(run.id, run);
  context.loaders.run.clear(run.id).prime(run.id, run);
  context.loaders.enrolmentCountsByRun.delete(run.id);
  context.loaders.enrolmentCounts.clear(run.id);
  context.loaders.runBookings.clear(run.id);
  context.loaders.auditTrail.clear(`ProgramRun/${run.id}`);
}

export function refreshEnrolment(context: Context, enrolment: Enrolment): void {
  context.loaders.enrolmentCountsByRun.delete(enrolment.runId);
  context.loaders.enrolmentCounts.clear(enrolment.runId);
  context.loaders.librarianEnrolments.clear(enrolment.librarianId);
}
