import { ApolloGateway } from '@apollo/gateway';
import type { Request, Response } from 'express';
import { GraphQLSchema, isSpecifiedDirective, lexicographicSortSchema, printSchema } from 'graphql';

const printed = new WeakMap<GraphQLSchema, string>();

/**
 * The API schema as partners build on it: the gateway's API schema (no federation internals),
 * with descriptions, sorted so that a change shows as a small diff. Our composed directives
 * (@personal, @viewerDependent) steer the gateway's response cache only and are left out:
 * graphql-js never prints where a directive is applied, so their definitions alone would say
 * nothing.
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
    printed.set(apiSchema, sdl);
  }
  return sdl;
}

/** The API schema of a supergraph, built as the gateway builds it (offline). */
export async function apiSchemaOf(supergraphSdl: string): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    return (await gateway.load()).schema;
  } finally {
    await gateway.stop();
  }
}

/** `GET /schema.graphql`: the public API schema, for code generators and schema checks. */
export function publicSchemaHandler(apiSchema: () => GraphQLSchema | undefined) {
  return (_req: Request, res: Response) => {
    const schema = apiSchema();
    if (!schema) {
      res.status(503).type('text/plain').send('The schema is not loaded yet; try again shortly.\n');
      return;
    }
    res.setHeader('cache-control', 'public, max-age=60');
    res.type('text/plain; charset=utf-8').send(publicSchemaSdl(schema));
  };
}
