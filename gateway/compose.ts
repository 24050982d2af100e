import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { SERVICES, type ServiceDefinition } from '@coop/common';

export const ROOT = path.resolve(__dirname, '..');
export const SCHEMA_DIR = path.join(ROOT, 'schema');
export const SUPERGRAPH_PATH = path.join(SCHEMA_DIR, 'supergraph.graphql');

export function subgraphSdlPath(service: ServiceDefinition): string {
  return path.join(SCHEMA_DIR, `${service.name}.graphql`);
}

export interface Composition {
  /** Each subgraph's SDL as the subgraph itself serves it (`_service { sdl }`). */
  subgraphs: { service: ServiceDefinition; sdl: string }[];
  supergraphSdl: string;
}

/**
 * Composes the supergraph from every service's `schema.graphql` (under `root`: the repository,
 * or a copy of it). Routing URLs in the supergraph are the defaults; the gateway overrides
 * them from the environment.
 */
export function composeSupergraph(root = ROOT): Composition {
  const subgraphs = SERVICES.map((service) => {
    const source = fs.readFileSync(
      path.join(root, 'services', service.name, 'schema.graphql'),
      'utf8',
    );
    const sdl = printSubgraphSchema(buildSubgraphSchema(parse(source)));
    return { service, sdl };
  });
  const result = composeServices(
    subgraphs.map(({ service, sdl }) => ({
      name: service.name,
      typeDefs: parse(sdl),
      url: `http://localhost:${service.defaultPort}/graphql`,
    })),
  );
  if (result.errors) {
    const messages = result.errors.map((error) => `- ${error.message}`).join('\n');
    throw new Error(`Composition failed:\n${messages}`);
  }
  return { subgraphs, supergraphSdl: result.supergraphSdl };
}
