import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { isIsoDate } from './dates';
import { YEAR_SPAN } from './domain-spans';
import { nipProblem } from './nip';
import { variableNumberProblem } from './numbers';
import { cursorOffset } from './pagination';

/**
 * The domains of the graph's inputs, checked once per request before any resolver runs, on the
 * gateway and on every subgraph (a client's mistake is a 400 with BAD_USER_INPUT and the
 * field, never an error of the database or the planner):
 *
 * - no string carries NUL (PostgreSQL refuses it in text) or another control character but
 *   tab and line breaks;
 * - every `Date` is a real calendar date written as a string (`2025-02-30` is not, nor is `5`:
 *   the gateway's own `Date` takes any value and leaves the check to the subgraph);
 * - no number in the variables is beyond what a double holds (numbers.ts);
 * - every `Int` named `year` (argument or input field) lies within the cooperation's span;
 * - every `String` named `nip` (argument or input field) is a NIP whose birth date,
 *   appointment, sex and serial hold (nip.ts), so a lookup by NIP runs no SQL for one that
 *   cannot exist;
 * - every connection's `after` is a cursor this API handed out.
 *
 * Resolvers may rely on these, whatever the field; a new argument of one of these kinds is
 * covered without a line of its own.
 */

/** Years the cooperation's data can concern (domain-spans.ts). */
export { YEAR_SPAN };

/** C0 control characters but tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** Any value (custom scalars such as `_Any` included) with a NUL somewhere in it. */
function carriesNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(carriesNul);
  if (value && typeof value === 'object') {
    for (const key in value) {
      if (key.includes('\u0000') || carriesNul((value as Record<string, unknown>)[key])) {
        return true;
      }
    }
  }
  return false;
}

export function isYearName(name: string): boolean {
  return name === 'year' || name.endsWith('Year');
}

/** The message for a year outside YEAR_SPAN, or null when it is within it. */
export function yearProblem(year: number, field = 'year'): string | null {
  if (Number.isInteger(year) && year >= YEAR_SPAN.min && year <= YEAR_SPAN.max) return null;
  return `${field} must be a year from ${YEAR_SPAN.min} to ${YEAR_SPAN.max}, got ${year}`;
}

interface Problem {
  field: string;
  message: string;
}

function scalarProblem(
  typeName: string,
  name: string,
  path: string,
  value: unknown,
  isArgument: boolean,
): Problem | null {
  if (carriesNul(value)) {
    return {
      field: path,
      message: `${path} contains a NUL character (\\u0000), which no value of this API may hold; remove it`,
    };
  }
  if (typeof value === 'string') {
    if ((typeName === 'String' || typeName === 'ID') && CONTROL_CHARACTER.test(value)) {
      return {
        field: path,
        message: `${path} contains a control character; only tab and line breaks are allowed`,
      };
    }
    if (typeName === 'String' && name === 'nip') {
      const problem = nipProblem(value);
      if (problem) return { field: path, message: `${path}: ${problem}` };
    }
    if (typeName === 'Date' && !isIsoDate(value)) {
      return {
        field: path,
        message: `${path} must be a real calendar date written YYYY-MM-DD (for example 2025-03-09), got ${JSON.stringify(value.slice(0, 100))}`,
      };
    }
    // An empty `after` means the first page, as in toPage.
    const cursor = isArgument && name === 'after' && typeName === 'String' && value !== '';
    if (cursor && cursorOffset(value) === null) {
      return {
        field: path,
        message: `after is not a cursor returned by this connection: pass an edge's cursor or pageInfo.endCursor (got ${JSON.stringify(value.slice(0, 100))})`,
      };
    }
  }
  if (typeName === 'Date' && typeof value !== 'string') {
    return {
      field: path,
      message: `${path} must be a calendar date in quotes, written YYYY-MM-DD (for example "2025-03-09"), got ${JSON.stringify(value)?.slice(0, 100)}`,
    };
  }
  if (typeof value === 'number' && typeName === 'Int' && isYearName(name)) {
    const message = yearProblem(value, path);
    if (message) return { field: path, message };
  }
  return null;
}

function valueProblem(
  type: GraphQLInputType,
  name: string,
  path: string,
  value: unknown,
  isArgument: boolean,
): Problem | null {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return valueProblem(type.ofType, name, path, value, isArgument);
  if (isListType(type)) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    for (let index = 0; index < items.length; index += 1) {
      // The list's path, not each item's: no string is built per item of a long list.
      const problem = valueProblem(type.ofType, name, path, items[index], false);
      if (problem) return problem;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== 'object') return null;
    const fields = value as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) {
      const problem = valueProblem(
        field.type,
        field.name,
        `${path}.${field.name}`,
        fields[field.name],
        false,
      );
      if (problem) return problem;
    }
    return null;
  }
  return scalarProblem(type.name, name, path, value, isArgument);
}

/** An argument as written in a document, with its definition: what inputProblem checks. */
interface ArgumentSite {
  argument: GraphQLArgument;
  value: ValueNode;
}

/**
 * The arguments of each operation and of its document's fragments, in document order, found
 * once per operation: Apollo Server hands out the same parsed document for the same text, and
 * walking it with type information costs more than checking its few arguments.
 */
const sitesByOperation = new WeakMap<
  OperationDefinitionNode,
  { schema: GraphQLSchema; sites: ArgumentSite[] }
>();

function argumentSites(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ArgumentSite[] {
  const known = sitesByOperation.get(operation);
  if (known?.schema === schema) return known.sites;
  const sites: ArgumentSite[] = [];
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Argument(node) {
      const argument = typeInfo.getArgument();
      if (argument) sites.push({ argument, value: node.value });
    },
  });
  for (const definition of document.definitions) {
    if (definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION) {
      visit(definition, visitor);
    }
  }
  sitesByOperation.set(operation, { schema, sites });
  return sites;
}

/**
 * The first input of `operation` (arguments, literal or from variables, in the operation and
 * the fragments it may spread) outside its domain, or null.
 */
export function inputProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Problem | null {
  for (const { argument, value: node } of argumentSites(schema, document, operation)) {
    // Variables come as sent (Date unparsed on the gateway); a literal the schema cannot
    // parse was already refused by validation.
    const value = valueFromAST(node, argument.type, variables);
    const found = valueProblem(argument.type, argument.name, argument.name, value, true);
    if (found) return found;
  }
  return null;
}

function operationNames(document: DocumentNode): string[] {
  return document.definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? '(anonymous)'] : [],
  );
}

/** Why no operation of `document` was chosen: a missing or unknown `operationName`. */
export function operationNotFound(
  document: DocumentNode,
  operationName: string | null | undefined,
): GraphQLError {
  const names = operationNames(document);
  const message =
    names.length === 0
      ? 'The document defines no operation: send a query, mutation or subscription'
      : operationName !== null && operationName !== undefined
        ? `The document defines no operation named ${JSON.stringify(operationName)}; it defines ${names.join(', ')}`
        : `The document defines ${names.length} operations (${names.join(', ')}): name the one to run in operationName`;
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
  });
}

/**
 * Refuses, before any resolver or query plan, an operation that cannot be chosen or whose
 * inputs are outside their domains: HTTP 400, BAD_USER_INPUT with `extensions.field`.
 */
export function inputDomainsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request }) {
          if (!operation) throw operationNotFound(document, request.operationName);
          const variables = request.variables ?? {};
          const problem =
            variableNumberProblem(schema, operation, variables) ??
            inputProblem(schema, document, operation, variables);
          if (problem) {
            throw new GraphQLError(problem.message, {
              extensions: { code: 'BAD_USER_INPUT', field: problem.field, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
