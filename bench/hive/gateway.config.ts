/**
 * Target D of `npm run bench`: Hive Gateway with its defaults, plus what this graph needs to
 * work at all: the client's Authorization header goes on to every subgraph (each one verifies
 * the token). The bench passes the supergraph file and the port on the command line.
 */
import { defineConfig } from '@graphql-hive/gateway';
import { serveDebugStats } from '../debug-stats-server';

// The benchmark reads this process's CPU time and allocation on a side port, off the gateway's
// own server, so nothing is added to Hive Gateway's request path.
const debugStatsPort = Number(process.env.DEBUG_STATS_PORT);
if (debugStatsPort) serveDebugStats(debugStatsPort);

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get('authorization'),
      // The subgraphs answer a gateway only (SUBGRAPH_SECRET, shared by the bench's stack).
      'x-gateway-credential': process.env.SUBGRAPH_SECRET ?? null,
    }),
  },
});
