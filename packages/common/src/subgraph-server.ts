import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import express from 'express';
import type { DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { databaseIsReachable, type StatementCounter } from './database';
import { debugStats } from './debug-stats';
import { formatErrorFor } from './error-format';
import { gatewayOnly, subgraphSecret } from './gateway-credential';
import {
  subgraphCostLimit,
  subgraphLimitsFromEnv,
  subgraphValidationRules,
} from './subgraph-limits';
import { inputDomainsPlugin } from './input-domains';
import { numberLiteralRule } from './numbers';
import { knownOperationTypesRule } from './operation-types';
import { listen } from './listen';
import { apolloLogger, log } from './log';
import { errorCounter, metricsHandler, requestObserver } from './observability';

export interface SubgraphOptions<TContext extends object> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  dataSource: DataSource;
  counter: StatementCounter;
  /**
   * Builds the per-request context from the request's Authorization header: the verified
   * viewer and fresh DataLoaders for every request.
   */
  context: (authorization: string | undefined) => Promise<TContext>;
  /** More plugins (read routing) and routes (its debug route) of the service. */
  plugins?: ApolloServerPlugin<TContext>[];
  router?: express.Router;
  /** Closed after the pool (the read replica's). */
  close?: () => Promise<void>;
}

export interface RunningService {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/**
 * One subgraph as an HTTP service: `POST /graphql`, `GET /health` (200, or 503 when the
 * database does not answer), `GET /livez` (200 while the process runs, nothing asked) and, when `EXPOSE_SQL_STATEMENT_COUNT=1`, the number of SQL
 * statements sent so far at `GET /debug/sql-statements` and the process's CPU time and
 * allocation at `GET /debug/process`.
 */
export async function startSubgraph<TContext extends object>(
  options: SubgraphOptions<TContext>,
  port: number,
): Promise<RunningService> {
  const app = express();
  const httpServer = http.createServer(app);
  const limits = subgraphLimitsFromEnv();
  const server = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers }]),
    // A second line behind the gateway's limits (subgraph-limits.ts); subscriptions and numbers
    // no double holds are refused as on the gateway.
    validationRules: [
      ...subgraphValidationRules(limits),
      knownOperationTypesRule,
      numberLiteralRule,
    ],
    // The process's own signal handlers stop the server, the pool and then the process.
    stopOnTerminationSignals: false,
    // Stack traces tell an attacker about the code and tell a client nothing it can act on.
    includeStacktraceInErrorResponses: false,
    formatError: formatErrorFor(options.name),
    logger: apolloLogger(options.name),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Inputs outside their domains (NUL, impossible dates, years, cursors) never reach SQL.
      inputDomainsPlugin(),
      subgraphCostLimit(limits, options.typeDefs),
      errorCounter(options.name),
      // Inline traces are for Apollo's hosted studio; nothing here sends them there.
      ApolloServerPluginInlineTraceDisabled(),
      // Its hook runs for every field of every answer; the gateway decides what is cached
      // from the supergraph (gateway/operation-analysis.ts), so the hints would go unused.
      ApolloServerPluginCacheControlDisabled(),
      ...(options.plugins ?? []),
    ],
  });
  await server.start();

  app.use(requestObserver(options.name));
  app.get('/metrics', metricsHandler);
  // Liveness: the process answers; the database is not asked (readiness is /health).
  app.get('/livez', (_req, res) => {
    res.json({ service: options.name, status: 'ok' });
  });
  app.get('/health', async (_req, res) => {
    const database = (await databaseIsReachable(options.dataSource)) ? 'up' : 'down';
    res.status(database === 'up' ? 200 : 503).json({
      service: options.name,
      status: database === 'up' ? 'ok' : 'unavailable',
      database,
    });
  });
  app.use(debugStats(options.counter));
  if (options.router) app.use(options.router);
  app.use(
    '/graphql',
    // Only the gateway, which applies the graph's limits, may ask; checked before parsing.
    gatewayOnly(subgraphSecret()),
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: ({ req }) => options.context(req.headers.authorization),
    }),
  );

  await listen(httpServer, port);
  const address = httpServer.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://localhost:${boundPort}/graphql`;
  log.info(`${options.name} subgraph ready at ${url}`, { service: options.name });
  return {
    url,
    port: boundPort,
    stop: async () => {
      await server.stop();
      // Closing the pool waits for the server to end every connection; the embedded server
      // may never answer that, so shutdown does not wait longer than a few seconds for it.
      await Promise.race([
        options.dataSource.destroy(),
        new Promise((resolve) => setTimeout(resolve, 3000).unref()),
      ]);
      await options.close?.();
    },
  };
}
