import {
  GraphQLError,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLFieldResolver,
  type ValueNode,
} from 'graphql';
import type { Viewer } from './auth';

/**
 * Who may read a field, as its owner declares it in its SDL with federation's directives
 * (docs/decisions/0026): `@authenticated` (any token with a role of this graph),
 * `@requiresScopes(scopes: [[…], […]])` (a token's scope is its role; alternatives are OR, the
 * scopes within one AND) and `@policy(policies: [[…]])` (named rules that need the viewer and
 * the row, evaluated by the owner). A field declares any of them; all it declares must hold.
 */
export interface AccessRule {
  authenticated: boolean;
  /** Alternatives of scopes, each all required; null when the field declares none. */
  scopes: string[][] | null;
  /** Alternatives of policy names, each all required; null when the field declares none. */
  policies: string[][] | null;
}

/** Every field with an access directive, by coordinate `Type.field`. */
export type AccessDeclarations = Map<string, AccessRule>;

const DIRECTIVES = ['authenticated', 'requiresScopes', 'policy'] as const;
type AccessDirective = (typeof DIRECTIVES)[number];

/** `@authenticated`, or `@federation__authenticated` when the subgraph does not import it. */
function accessDirective(directive: DirectiveNode): AccessDirective | undefined {
  const name = directive.name.value.replace(/^federation__/, '');
  return (DIRECTIVES as readonly string[]).includes(name) ? (name as AccessDirective) : undefined;
}

function listOfLists(value: ValueNode | undefined, where: string): string[][] {
  const fail = () => {
    throw new Error(`${where}: expected a list of lists of strings`);
  };
  if (value?.kind !== Kind.LIST) return fail();
  return value.values.map((inner) => {
    if (inner.kind !== Kind.LIST) return fail();
    return inner.values.map((item) => (item.kind === Kind.STRING ? item.value : fail()));
  });
}

/**
 * Reads the access directives of a subgraph's SDL or of the supergraph. Only fields carry
 * them here: a directive on a type, scalar or enum would apply to every field returning it,
 * which neither the subgraphs' wrapping nor the gateway would see, so it is refused outright.
 */
export function accessDeclarations(document: DocumentNode): AccessDeclarations {
  const found: AccessDeclarations = new Map();
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const type = definition.name.value;
    for (const directive of definition.directives ?? []) {
      if (accessDirective(directive)) {
        throw new Error(`@${directive.name.value} on ${type}: declare access on its fields`);
      }
    }
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION
    ) {
      continue;
    }
    for (const field of definition.fields ?? []) {
      const coordinate = `${type}.${field.name.value}`;
      const rule: AccessRule = found.get(coordinate) ?? {
        authenticated: false,
        scopes: null,
        policies: null,
      };
      let declared = false;
      for (const directive of field.directives ?? []) {
        const kind = accessDirective(directive);
        if (!kind) continue;
        declared = true;
        const where = `@${kind} on ${coordinate}`;
        const argument = directive.arguments?.[0]?.value;
        if (kind === 'authenticated') rule.authenticated = true;
        if (kind === 'requiresScopes') rule.scopes = listOfLists(argument, where);
        if (kind === 'policy') rule.policies = listOfLists(argument, where);
      }
      if (declared) found.set(coordinate, rule);
    }
  }
  return found;
}

/** The scopes a token holds: its role (docs/decisions/0026). */
export function scopesOf(viewer: Viewer): string[] {
  return viewer.role ? [viewer.role] : [];
}

function satisfies(held: (name: string) => boolean, alternatives: string[][]): boolean {
  return alternatives.some((all) => all.every(held));
}

const plural: Record<string, string> = {
  admin: 'admins',
  'regional-operator': 'regional operators',
  analyst: 'analysts',
  librarian: 'librarians',
};

function roleList(alternatives: string[][]): string {
  const names = alternatives.map((all) =>
    all.map((scope) => plural[scope] ?? scope).join(' who are '),
  );
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]!;
}

/** A refusal: UNAUTHENTICATED without a token, FORBIDDEN with a reason otherwise. */
export function accessRefusal(viewer: Viewer, coordinate: string, reason: string): GraphQLError {
  if (!viewer.authenticated) {
    return new GraphQLError(`${coordinate} needs a token: sign in to read it`, {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  }
  return new GraphQLError(`${coordinate} ${reason}`, { extensions: { code: 'FORBIDDEN' } });
}

/**
 * The part of a rule that needs only the caller (`@authenticated`, `@requiresScopes`): what
 * the gateway enforces at the edge, before planning, and each subgraph again. Null: it holds.
 */
export function requestRefusal(
  rule: AccessRule,
  coordinate: string,
  viewer: Viewer,
): GraphQLError | null {
  if (!rule.authenticated && !rule.scopes && !rule.policies) return null;
  if (!viewer.authenticated) return accessRefusal(viewer, coordinate, '');
  if (rule.authenticated && !viewer.role) {
    return accessRefusal(viewer, coordinate, 'needs a token with a role of this graph');
  }
  if (rule.scopes) {
    const held = scopesOf(viewer);
    if (!satisfies((scope) => held.includes(scope), rule.scopes)) {
      return accessRefusal(
        viewer,
        coordinate,
        `is readable by ${roleList(rule.scopes)} only; your role is ${viewer.role ?? 'none'}`,
      );
    }
  }
  return null;
}

/**
 * One named `@policy`: given the row (the parent object of the field) and the caller, null when
 * the caller may read the field, else the reason it may not, completing "`Type.field` …".
 * `types` are the types whose fields it can judge: the owner's code knows how to find, say,
 * the province of each (a startup check refuses a declaration on any other).
 */
export interface PolicyEvaluator<TContext> {
  types: string[];
  check: (row: unknown, context: TContext, type: string) => string | null | Promise<string | null>;
}

export type PolicyEvaluators<TContext> = Record<string, PolicyEvaluator<TContext>>;

/** The whole rule of a field for one row: the request's part, then each policy the field names. */
export async function fieldRefusal<TContext extends { viewer: Viewer }>(
  rule: AccessRule,
  coordinate: string,
  row: unknown,
  context: TContext,
  evaluators: PolicyEvaluators<TContext>,
): Promise<GraphQLError | null> {
  const early = requestRefusal(rule, coordinate, context.viewer);
  if (early || !rule.policies) return early;
  const type = coordinate.slice(0, coordinate.indexOf('.'));
  let reason: string | null = null;
  for (const all of rule.policies) {
    reason = null;
    for (const name of all) {
      reason = await evaluators[name]!.check(row, context, type);
      if (reason) break;
    }
    if (!reason) return null;
  }
  return accessRefusal(context.viewer, coordinate, reason ?? 'is not readable');
}

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * Wraps every field the SDL protects with its rule, evaluated before the resolver runs: a
 * refused field resolves to null with its error, the rest of the answer stands. Fails at
 * startup when the SDL names a policy the service has no evaluator for, or one for a type the
 * evaluator cannot judge, or when an evaluator is never used.
 */
export function withDeclaredAccess<TContext extends { viewer: Viewer }>(
  resolvers: ResolverMap,
  typeDefs: DocumentNode,
  evaluators: PolicyEvaluators<TContext>,
  service = 'service',
): ResolverMap {
  const declarations = accessDeclarations(typeDefs);
  const used = new Set<string>();
  for (const [coordinate, rule] of declarations) {
    const type = coordinate.slice(0, coordinate.indexOf('.'));
    for (const name of rule.policies?.flat() ?? []) {
      const evaluator = evaluators[name];
      if (!evaluator)
        throw new Error(`${service}: @policy "${name}" on ${coordinate} has no evaluator`);
      if (!evaluator.types.includes(type)) {
        throw new Error(`${service}: policy "${name}" cannot judge ${type} (${coordinate})`);
      }
      used.add(name);
    }
  }
  const unused = Object.keys(evaluators).filter((name) => !used.has(name));
  if (unused.length)
    throw new Error(`${service}: policies no field declares: ${unused.join(', ')}`);

  const result: ResolverMap = { ...resolvers };
  for (const [coordinate, rule] of declarations) {
    const [type, field] = coordinate.split('.') as [string, string];
    const fields = { ...(result[type] ?? {}) };
    const original = fields[field] as GraphQLFieldResolver<unknown, TContext> | undefined;
    const resolve: GraphQLFieldResolver<unknown, TContext> =
      original ?? ((parent) => (parent as Record<string, unknown>)[field]);
    fields[field] = async (parent: unknown, args: unknown, context: TContext, info: never) => {
      const refusal = await fieldRefusal(rule, coordinate, parent, context, evaluators);
      if (refusal) throw refusal;
      return resolve(parent, args as Record<string, unknown>, context, info);
    };
    result[type] = fields;
  }
  return result;
}
