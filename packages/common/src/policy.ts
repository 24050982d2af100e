import { GraphQLError, type GraphQLFieldResolver } from 'graphql';
import type { Role, Viewer } from './auth';

/**
 * Who may read a field. Each service declares its rules in one table (`policies.ts`), keyed
 * `Type.field`; fields not in the table are public. A refused field resolves to null with an
 * error of code UNAUTHENTICATED (no token) or FORBIDDEN (a token without the right), and the
 * rest of the response is unaffected.
 */
export type Rule<TContext> =
  | { kind: 'authenticated' }
  | { kind: 'roles'; roles: Role[] }
  | {
      kind: 'personal';
      /** The province of the person the value belongs to (a regional operator's reach). */
      province: (parent: never, context: TContext) => string | null | Promise<string | null>;
    };

export type PolicyTable<TContext> = Record<string, Rule<TContext>>;

/** Any valid token: dashboards, operators and admins; not anonymous callers. */
export const authenticated = { kind: 'authenticated' } as const;

/** These roles only (admins always pass): `onlyRoles()` means admins only. */
export function onlyRoles(...roles: Role[]) {
  return { kind: 'roles' as const, roles };
}

/**
 * Personal data (UU 27/2022): admins, and the regional operator of the person's province.
 * `province` receives the parent object the field belongs to.
 */
export function personal<TParent, TContext>(
  province: (parent: TParent, context: TContext) => string | null | Promise<string | null>,
): Rule<TContext> {
  return {
    kind: 'personal',
    province: province as (
      parent: never,
      context: TContext,
    ) => string | null | Promise<string | null>,
  };
}

function refuse(viewer: Viewer, what: string): never {
  if (!viewer.authenticated) {
    throw new GraphQLError(`${what} needs a token: sign in to read it`, {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  }
  throw new GraphQLError(`${what} is not readable with your role`, {
    extensions: { code: 'FORBIDDEN' },
  });
}

export async function enforce<TContext extends { viewer: Viewer }>(
  rule: Rule<TContext>,
  coordinate: string,
  parent: unknown,
  context: TContext,
): Promise<void> {
  const { viewer } = context;
  if (viewer.role === 'admin') return;
  switch (rule.kind) {
    case 'authenticated':
      if (viewer.role) return;
      break;
    case 'roles':
      if (viewer.role && rule.roles.includes(viewer.role)) return;
      break;
    case 'personal':
      if (viewer.role === 'regional-operator') {
        const province = await rule.province(parent as never, context);
        if (province !== null && province === viewer.provinceCode) return;
      }
      break;
  }
  refuse(viewer, coordinate);
}

type ResolverMap = Record<string, Record<string, unknown>>;

/** Wraps every field named in `table` with its rule; returns a new resolver map. */
export function withPolicies<TContext extends { viewer: Viewer }>(
  resolvers: ResolverMap,
  table: PolicyTable<TContext>,
): ResolverMap {
  const result: ResolverMap = Object.fromEntries(
    Object.entries(resolvers).map(([type, fields]) => [type, fields]),
  );
  for (const [coordinate, rule] of Object.entries(table)) {
    const [type, field] = coordinate.split('.') as [string, string];
    const fields = { ...(result[type] ?? {}) };
    const original = fields[field] as GraphQLFieldResolver<unknown, TContext> | undefined;
    const resolve: GraphQLFieldResolver<unknown, TContext> =
      original ?? ((parent) => (parent as Record<string, unknown>)[field]);
    fields[field] = async (parent: unknown, args: unknown, context: TContext, info: never) => {
      await enforce(rule, coordinate, parent, context);
      return resolve(parent, args as Record<string, unknown>, context, info);
    };
    result[type] = fields;
  }
  return result;
}

/**
 * Aggregates must not single a person out: a group smaller than this is shown only to those
 * who may read the people in it (admins, the operator of that province).
 */
export const MIN_GROUP_SIZE = 5;

/** Whether `viewer` may see the outcome counts of a group of `size` people in `province`. */
export function mayReadSmallGroup(viewer: Viewer, province: string, size: number): boolean {
  return size >= MIN_GROUP_SIZE || size === 0 || mayReadPeopleOf(viewer, province);
}

/**
 * Whether `viewer` may read the people behind a figure of `province` (null: a national figure,
 * which only admins may read whole): what disclosure control withholds from everyone else.
 */
export function mayReadPeopleOf(viewer: Viewer, province: string | null): boolean {
  return (
    viewer.role === 'admin' ||
    (province !== null && viewer.role === 'regional-operator' && viewer.provinceCode === province)
  );
}
