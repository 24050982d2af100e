/**
 * Target C of `npm run bench`: stock `@apollo/gateway` as its documentation sets it up, on the
 * supergraph file given as the first argument, with nothing added but forwarding the client's
 * Authorization header to the subgraphs (no limits, no cache, no deduplication).
 * PORT: where it listens; DEBUG_STATS_PORT: where it serves its CPU and allocation counters.
 */
import fs from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GATEWAY_CREDENTIAL_HEADER, intFromEnv } from '@coop/common';
import { serveDebugStats } from './debug-stats-server';
import { enforcedSupergraph } from '../gateway/access';

interface Context {
  authorization?: string;
}

async function main() {
  const supergraphFile = process.argv[2];
  if (!supergraphFile) throw new Error('usage: stock-gateway.ts <supergraph file>');
  const gateway = new ApolloGateway({
    // Composition links the access features for SECURITY, which @apollo/gateway refuses to load.
    supergraphSdl: enforcedSupergraph(fs.readFileSync(supergraphFile, 'utf8')),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<Context>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization)
            request.http?.headers.set('authorization', context.authorization);
          // The subgraphs answer a gateway only (SUBGRAPH_SECRET, shared by the bench's stack).
          request.http?.headers.set(GATEWAY_CREDENTIAL_HEADER, process.env.SUBGRAPH_SECRET ?? '');
        },
      }),
  });
  const server = new ApolloServer<Context>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: intFromEnv('PORT', 4105) },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  const stats = serveDebugStats(intFromEnv('DEBUG_STATS_PORT', 4115));
  console.log(`stock @apollo/gateway ready at ${url}`);
  process.once('SIGTERM', () => {
    stats.close();
    void server.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
