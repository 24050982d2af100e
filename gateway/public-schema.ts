import { ApolloGateway } from '@apollo/gateway';
import { accessDeclarations, type AccessDeclarations, type AccessRule } from '@coop/common';
import type { Request, Response } from 'express';
import {
  GraphQLSchema,
  isSpecifiedDirective,
  lexicographicSortSchema,
  parse,
  printSchema,
} from 'graphql';
import { enforcedSupergraph } from './access';

const printed = new WeakMap<GraphQLSchema, string>();
/** The owners' access declarations behind an API schema (the API schema itself drops them). */
const declared = new WeakMap<GraphQLSchema, AccessDeclarations>();

/** Records which supergraph an API schema came from: its access directives are printed. */
export function withAccessOf(apiSchema: GraphQLSchema, supergraphSdl: string): GraphQLSchema {
  if (!declared.has(apiSchema)) declared.set(apiSchema, accessDeclarations(parse(supergraphSdl)));
  return apiSchema;
}

/** What partners read about the directives: their meaning in this graph (decision 26). */
const ACCESS_DIRECTIVES = `"""
Needs a token with a role of this graph (any role); without one, the field is null with
UNAUTHENTICATED.
"""
directive @authenticated on FIELD_DEFINITION

"""
Needs a token whose role is in one of the lists (a token's scope is its role: admin,
regional-operator, analyst, librarian); otherwise the field is null with FORBIDDEN, or UNAUTHENTICATED
without a token.
"""
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION

"""
Needs the named rule to hold for the caller and the row; otherwise the field is null with
FORBIDDEN naming the reason. \`personal-data-of-province\`: admins, the regional operator
of the province the row belongs to, and the librarian the row is about (a \`librarian\` token
reads its own record only). \`training-records-of-own-office\`: admins all, a regional
operator those of its own office's runs, a librarian its own.
"""
directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION

`;

const listOfLists = (values: string[][]) =>
  `[${values.map((all) => `[${all.map((value) => JSON.stringify(value)).join(', ')}]`).join(', ')}]`;

function directivesOf(rule: AccessRule): string {
  return [
    ...(rule.authenticated ? ['@authenticated'] : []),
    ...(rule.scopes ? [`@requiresScopes(scopes: ${listOfLists(rule.scopes)})`] : []),
    ...(rule.policies ? [`@policy(policies: ${listOfLists(rule.policies)})`] : []),
  ].join(' ');
}

/**
 * Appends each field's access directives to the line that ends its definition, in the SDL as
 * graphql-js prints it (fields indented by two spaces, multi-line arguments closed by `  ): `).
 */
function withAccessDirectives(sdl: string, declarations: AccessDeclarations): string {
  const lines = sdl.split('\n');
  let type: string | null = null;
  let inDescription = false;
  let pending: string | null = null;
  const annotate = (index: number, field: string) => {
    const rule = type && declarations.get(`${type}.${field}`);
    if (rule) lines[index] += ` ${directivesOf(rule)}`;
  };
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed.startsWith('"""')) {
      if (trimmed === '"""' || !trimmed.slice(3).endsWith('"""')) inDescription = !inDescription;
      return;
    }
    if (inDescription) return;
    const opened = /^type (\w+)/.exec(line);
    if (opened) type = opened[1]!;
    else if (line === '}') type = null;
    if (!type) return;
    const field = /^ {2}(\w+)(\(|:)/.exec(line);
    if (field) {
      if (field[2] === ':' || line.includes('): ')) annotate(index, field[1]!);
      else pending = field[1]!;
    } else if (pending && line.startsWith('  ): ')) {
      annotate(index, pending);
      pending = null;
    }
  });
  return lines.join('\n');
}

/**
 * The API schema as partners build on it: the gateway's API schema (no federation internals),
 * with descriptions, sorted so that a change shows as a small diff, and with the owners'
 * access directives where they apply (`@authenticated`, `@requiresScopes`, `@policy`: which
 * fields need what, as Apollo Router and Hive Gateway read them). Our composed cache marks
 * (@personal, @viewerDependent) steer the gateway's response cache only and are left out.
 */
export function publicSchemaSdl(apiSchema: GraphQLSchema): string {
  let sdl = printed.get(apiSchema);
  if (!sdl) {
    const config = apiSchema.toConfig();
    const withoutOurDirectives = new GraphQLSchema({
      ...config,
      directives: config.directives.filter(isSpecifiedDirective),
    });
    sdl = `${printSchema(lexicographicSortSchema(withoutOurDirectives))}\n`;
    const declarations = declared.get(apiSchema);
    if (declarations?.size) sdl = ACCESS_DIRECTIVES + withAccessDirectives(sdl, declarations);
    printed.set(apiSchema, sdl);
  }
  return sdl;
}

/** The API schema of a supergraph, built as the gateway builds it (offline). */
export async function apiSchemaOf(supergraphSdl: string): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl: enforcedSupergraph(supergraphSdl) });
  try {
    return withAccessOf((await gateway.load()).schema, supergraphSdl);
  } finally {
    await gateway.stop();
  }
}

/** `GET /schema.graphql`: the public API schema, for code generators and schema checks. */
export function publicSchemaHandler(
  apiSchema: () => GraphQLSchema | undefined,
  supergraphSdl?: string,
) {
  return (_req: Request, res: Response) => {
    const loaded = apiSchema();
    const schema = loaded && supergraphSdl ? withAccessOf(loaded, supergraphSdl) : loaded;
    if (!schema) {
      res.status(503).type('text/plain').send('The schema is not loaded yet; try again shortly.\n');
      return;
    }
    res.setHeader('cache-control', 'public, max-age=60');
    res.type('text/plain; charset=utf-8').send(publicSchemaSdl(schema));
  };
}
