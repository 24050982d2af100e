import {
  buildASTSchema,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import {
  accessDeclarations,
  mayReadPeopleOf,
  provinceLabel,
  scopesOf,
  type AccessDeclarations,
  type AccessRule,
  type Role,
  type Viewer,
} from '@coop/common';

/** One kind of caller the explorer can hand a token to: the "Development token" box's choices. */
export interface Caller {
  role: Role | null;
  provinceCode: string | null;
}

export const ANONYMOUS_CALLER: Caller = { role: null, provinceCode: null };

function viewerOf(caller: Caller): Viewer {
  return { ...caller, authenticated: caller.role !== null, subject: null };
}

/**
 * What each `@policy` name means for a caller and a row of a province (null: none or not
 * known), as far as a hint can tell before any row is read. An owner's new policy needs a line
 * here, or the explorer refuses to describe the operations that meet it.
 */
export const POLICY_MEANINGS: Record<
  string,
  { passes: (viewer: Viewer, rowProvince: string | null) => boolean; readers: string }
> = {
  'personal-data-of-province': {
    passes: mayReadPeopleOf,
    readers: "admins and the regional operator of the row's province",
  },
  // The resolver returns a regional operator only its own office's records: none is refused.
  'training-records-of-own-office': {
    passes: () => true,
    readers: 'admins, and regional operators for their own office',
  },
};

/** The supergraph's access declarations, and its schema to walk operations with. */
export interface Declarations {
  schema: GraphQLSchema;
  fields: AccessDeclarations;
}

/** Reads the access declarations of a supergraph (its SDL as `npm run compose` writes it). */
export function readDeclarations(supergraphSdl: string): Declarations {
  const document = parse(supergraphSdl);
  return {
    schema: buildASTSchema(document, { assumeValidSDL: true }),
    fields: accessDeclarations(document),
  };
}

/** The fields an operation selects (through its fragments), as `Type.field`, in order. */
export function selectedFields(schema: GraphQLSchema, document: DocumentNode): string[] {
  const found = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent && !node.name.value.startsWith('__'))
          found.add(`${parent.name}.${node.name.value}`);
      },
    }),
  );
  return [...found];
}

/** Whether `caller` may read a field with this rule, for a row of `rowProvince`. */
export function satisfies(rule: AccessRule, caller: Caller, rowProvince: string | null): boolean {
  const viewer = viewerOf(caller);
  if (rule.authenticated && !viewer.role) return false;
  const held = scopesOf(viewer);
  if (rule.scopes && !rule.scopes.some((all) => all.every((scope) => held.includes(scope)))) {
    return false;
  }
  const passes = (policy: string) => {
    const meaning = POLICY_MEANINGS[policy];
    if (!meaning) throw new Error(`the explorer does not know what @policy "${policy}" means`);
    return meaning.passes(viewer, rowProvince);
  };
  return !rule.policies || rule.policies.some((all) => all.every(passes));
}

/** The callers a hint chooses from, least powerful first. */
export function candidateCallers(rowProvince: string | null): Caller[] {
  return [
    ANONYMOUS_CALLER,
    { role: 'analyst', provinceCode: null },
    // An operator of the example's own province, else of the province the box proposes.
    { role: 'regional-operator', provinceCode: rowProvince ?? '32' },
    { role: 'admin', provinceCode: null },
  ];
}

export function describeCaller(caller: Caller): string {
  if (!caller.role) return 'no token';
  if (caller.role === 'regional-operator') {
    return `regional-operator of province ${provinceLabel(caller.provinceCode ?? '')}`;
  }
  return caller.role;
}

/** What one operation needs, for the example data of one province. */
export interface OperationAccess {
  /** The least powerful caller refused nothing. */
  caller: Caller;
  /** Each field that needs a token, with who may read it (for this example's row). */
  restricted: { field: string; readers: string }[];
  /** Callers below `caller` who still read part of it, with the fields they are refused. */
  partly: { caller: Caller; refused: string[] }[];
}

function readersOf(rule: AccessRule, rowProvince: string | null): string {
  const readers = candidateCallers(rowProvince)
    .filter((caller) => satisfies(rule, caller, rowProvince))
    .map(describeCaller);
  if (readers[0] === 'analyst') return 'any token';
  return readers.join(' or ') || 'nobody';
}

/** Who may run `document` whole, and what the others would be refused. */
export function operationAccess(
  declarations: Declarations,
  document: DocumentNode,
  rowProvince: string | null,
): OperationAccess {
  const fields = selectedFields(declarations.schema, document);
  const rootTypes = [declarations.schema.getQueryType(), declarations.schema.getMutationType()];
  const roots = fields.filter((field) =>
    rootTypes.some((type) => type && field.startsWith(`${type.name}.`)),
  );
  const refusedTo = (caller: Caller) =>
    fields.filter((field) => {
      const requirement = declarations.fields.get(field);
      return requirement !== undefined && !satisfies(requirement, caller, rowProvince);
    });
  const callers = candidateCallers(rowProvince);
  const index = callers.findIndex((caller) => refusedTo(caller).length === 0);
  const caller = callers[index === -1 ? callers.length - 1 : index]!;
  const partly = callers
    .slice(0, index === -1 ? callers.length : index)
    .filter((below) => below.role)
    .map((below) => ({ caller: below, refused: refusedTo(below) }))
    // A caller refused every root field gets nothing: it does not read "all but" those.
    .filter(({ refused }) => roots.some((root) => !refused.includes(root)));
  const restricted = fields.flatMap((field) => {
    const requirement = declarations.fields.get(field);
    return requirement ? [{ field, readers: readersOf(requirement, rowProvince) }] : [];
  });
  return { caller, restricted, partly };
}
