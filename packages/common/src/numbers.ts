import {
  getNamedType,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  type ASTNode,
  type FloatValueNode,
  type GraphQLInputType,
  type IntValueNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

/**
 * Numbers no double holds (`1e400`, a 400-digit integer) and NaN or Infinity, refused as the
 * client's mistake on the gateway and every subgraph. graphql-js lets a `1e400` literal through
 * wherever a Float or a custom scalar is expected (it reads it as Infinity, finite or not), and
 * JSON.parse reads such a number in the variables as ±Infinity; the gateway's query planner then
 * fails on it as an internal error, and JSON carries Infinity on to a subgraph as null.
 */

/** A node's ancestors and its parent, as the visitor hands them over. */
type Ancestors = readonly (ASTNode | readonly ASTNode[] | undefined)[];

/** What to send instead, for a value expected to be of `type` (undefined: inside a custom scalar). */
function advice(type: GraphQLInputType | undefined): string {
  const named = type && getNamedType(type);
  if (!named) return 'send a finite number';
  if (named.name === 'Int') return 'send an Int from -2147483648 to 2147483647';
  if (named.name === 'Float') return 'send a finite number, such as 72.5';
  if (named.name === 'Boolean') return 'send true or false';
  if (isEnumType(named)) return `send one of the values of ${named.name}`;
  if (isInputObjectType(named)) return `send a ${named.name} object`;
  if (named.name === 'Date') return 'send a date in quotes, written YYYY-MM-DD';
  if (named.name === 'String' || named.name === 'ID') return 'send text in quotes';
  return `send a value of type ${named.name}`;
}

/** A number as written, shortened when it is long (a 400-digit integer). */
function shown(text: string): string {
  return text.length > 24 ? `${text.slice(0, 12)}… (${text.length} characters)` : text;
}

/** How GraphQL may spell NaN and Infinity: as names, which it reads as enum values. */
const NOT_A_NUMBER = /^(nan|inf|infinity)$/i;

/**
 * The argument, input field or variable default a literal is in, as `filter.startsAfter` or
 * `$v`: from the nearest argument or variable definition down through the object fields.
 */
function placeOf(ancestors: Ancestors): string {
  const names: string[] = [];
  for (const ancestor of ancestors) {
    if (!ancestor || Array.isArray(ancestor)) continue;
    const node = ancestor as ASTNode;
    if (node.kind === Kind.ARGUMENT) names.splice(0, names.length, node.name.value);
    else if (node.kind === Kind.VARIABLE_DEFINITION) {
      names.splice(0, names.length, `$${node.variable.name.value}`);
    } else if (node.kind === Kind.OBJECT_FIELD) names.push(node.name.value);
  }
  return names.join('.') || 'a value';
}

/**
 * Refuses, as a validation error (HTTP 400), every number literal beyond ±Number.MAX_VALUE and
 * NaN or Infinity written where no enum is expected, naming the argument it is in.
 */
export const numberLiteralRule: ValidationRule = (context) => {
  const refuse = (node: ValueNode, ancestors: Ancestors, what: string) => {
    const type = context.getInputType() ?? undefined;
    context.reportError(
      new GraphQLError(`${placeOf(ancestors)} holds ${what}; ${advice(type)}`, { nodes: node }),
    );
  };
  const checkNumber = (node: IntValueNode | FloatValueNode, ancestors: Ancestors) => {
    if (Number.isFinite(Number(node.value))) return;
    refuse(
      node,
      ancestors,
      `the number ${shown(node.value)}, beyond what any number can be (±1.8e308)`,
    );
  };
  return {
    IntValue: (node, _key, parent, _path, ancestors) => checkNumber(node, [...ancestors, parent]),
    FloatValue: (node, _key, parent, _path, ancestors) => checkNumber(node, [...ancestors, parent]),
    EnumValue(node, _key, parent, _path, ancestors) {
      const type = context.getInputType();
      if (!NOT_A_NUMBER.test(node.value) || (type && isEnumType(getNamedType(type)))) return;
      refuse(
        node,
        [...ancestors, parent],
        `${node.value}, which is no number: GraphQL reads it as a name, and no value of this API is NaN or Infinity`,
      );
    },
  };
};

/** The first number in `value` that JSON read as ±Infinity, with its path and expected type. */
function overflowIn(
  value: unknown,
  type: GraphQLInputType | undefined,
  path: string,
): { path: string; type: GraphQLInputType | undefined } | null {
  const inner = type && isNonNullType(type) ? type.ofType : type;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, type: inner };
  if (Array.isArray(value)) {
    const item = inner && isListType(inner) ? inner.ofType : inner;
    // The list's path, not each item's, as in input-domains.ts.
    for (const element of value) {
      const found = overflowIn(element, item, path);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : undefined;
    for (const [key, field] of Object.entries(value)) {
      const found = overflowIn(field, fields?.[key]?.type, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * The first variable of `operation` holding a number beyond ±Number.MAX_VALUE (which JSON.parse
 * read as ±Infinity), as the message to answer, or null.
 */
export function variableNumberProblem(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): { field: string; message: string } | null {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    const found = overflowIn(variables[name], type, `$${name}`);
    if (found) {
      return {
        field: found.path,
        message: `${found.path} holds a number beyond what any number can be (±1.8e308), which JSON reads as Infinity; ${advice(found.type)}`,
      };
    }
  }
  return null;
}
