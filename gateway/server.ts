import fs from 'node:fs';
import http from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import {
  apolloLogger,
  createTokenVerifier,
  debugStats,
  errorCounter,
  GATEWAY_CREDENTIAL_HEADER,
  inputDomainsPlugin,
  knownOperationTypesRule,
  listen,
  log,
  metricsHandler,
  numberLiteralRule,
  requestObserver,
  SERVICES,
  serviceUrl,
  subgraphSecret,
  type RunningService,
} from '@coop/common';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { cacheSettingsFromEnv, type CacheSettings } from './cache-settings';
import { noteAnswer, noteFetch } from './change-reports';
import {
  admission,
  callerBudget,
  callerBudgetFromEnv,
  callerConcurrency,
  callerIdentity,
  chargeCaller,
  refuseSpentCallers,
  type CallerBudgetSettings,
} from './caller-budget';
import { edgeAccessPlugin, enforcedSupergraph } from './access';
import { SUPERGRAPH_PATH } from './compose';
import { responseCompression } from './compression';
import { dashboardRouter } from './dashboard';
import { explorerRouter } from './explorer';
import { subgraphHealth } from './health';
import { plannerRefusalPlugin } from './planner-refusals';
import { publicSchemaHandler } from './public-schema';
import { graphqlHandler, type GatewayContext } from './graphql-handler';
import { lookupBudgetFromEnv, lookupBudgetPlugin } from './lookup-budget';
import {
  batchLimit,
  costLimitPlugin,
  limitsFromEnv,
  requestErrorHandler,
  validationRules,
  type Limits,
} from './limits';
import { indexSupergraph, operationAnalyser } from './operation-analysis';
import { memoryStore, redisStore } from './response-store';
import { storeBudget } from './store-budget';
import { subgraphErrorFromResponse } from './subgraph-errors';
import { ARRIVED_AT_HEADER, subgraphFetcher, type SubgraphFetcher } from './subgraph-fetch';
import { trustedDocumentsFor } from './trusted-documents';

/** Where each subgraph is: `<NAME>_URL` or the default port on localhost. */
export function subgraphUrls(): Record<string, string> {
  return Object.fromEntries(SERVICES.map((service) => [service.name, serviceUrl(service)]));
}

/** Notes whether a response carries errors: only complete answers without errors are cached. */
const outcomeRecorder: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (!contextValue?.outcome) return;
        contextValue.outcome.hadErrors =
          response.body.kind !== 'single' || Boolean(response.body.singleResult.errors?.length);
      },
    };
  },
};

/**
 * The gateway: serves the checked-in supergraph (no polling, no schema registry), the explorer
 * at `/`, the API at `/graphql` and its health, with each subgraph's, at `/health`.
 */
export async function startGateway(
  port: number,
  urls: Record<string, string> = subgraphUrls(),
  limits: Limits = limitsFromEnv(),
  cacheSettings: CacheSettings = cacheSettingsFromEnv(),
  budgetSettings: CallerBudgetSettings = callerBudgetFromEnv(),
): Promise<RunningService> {
  const verifyToken = createTokenVerifier();
  const healthOfSubgraphs = subgraphHealth(urls);
  healthOfSubgraphs.start();
  const secret = subgraphSecret();
  if (!secret) {
    log.error('SUBGRAPH_SECRET is not set: every subgraph will refuse the gateway', {
      service: 'gateway',
    });
  }
  const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
  // Unless told otherwise, @apollo/gateway sends usage metrics to Apollo's servers every hour
  // and probes cloud metadata addresses to label them: a government graph does not phone home.
  // An operator who wants it sets APOLLO_TELEMETRY_DISABLED=false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const fetchers: SubgraphFetcher[] = [];
  const fetcherOf = (name: string) => {
    const fetcher = subgraphFetcher(name, {
      timeoutMs: limits.subgraphTimeoutMs,
      dedup: cacheSettings.subgraphDedup,
      onUnreachable: () => healthOfSubgraphs.forget(),
      onAnswered: () => healthOfSubgraphs.answered(name),
    });
    fetchers.push(fetcher);
    return fetcher;
  };
  const gateway = new ApolloGateway({
    supergraphSdl: enforcedSupergraph(supergraphSdl),
    logger: apolloLogger('gateway'),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: urls[name] ?? url,
        fetcher: fetcherOf(name),
        // Cache policy comes from the supergraph (operation-analysis.ts), not from headers.
        honorSubgraphCacheControlHeader: false,
        errorFromResponse: subgraphErrorFromResponse(name),
        willSendRequest({ request, context }) {
          if (context.changeReports) noteFetch(context.changeReports, name, request.query);
          const headers: Record<string, string> = context.forwardedHeaders ?? {};
          for (const [header, value] of Object.entries(headers)) {
            request.http?.headers.set(header, value);
          }
          if (context.arrivedAt !== undefined) {
            request.http?.headers.set(ARRIVED_AT_HEADER, String(context.arrivedAt));
          }
          if (secret) request.http?.headers.set(GATEWAY_CREDENTIAL_HEADER, secret);
        },
        didReceiveResponse({ response, request, context }) {
          if (context.changeReports) {
            noteAnswer(context.changeReports, name, request.query, response.http?.headers);
          }
          return response;
        },
      }),
  });
  // Subscriptions and numbers no double holds: refused before the planner fails on them.
  const rules = [...validationRules(limits), knownOperationTypesRule, numberLiteralRule];
  const trusted = trustedDocumentsFor(rules);
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
    trusted.warm(loaded.apiSchema);
  });
  const app = express();
  // Express would hash every answer for an ETag; GraphQL's POSTs are never revalidated with it.
  app.set('etag', false);
  const httpServer = http.createServer(app);
  const budget = callerBudget(budgetSettings);
  const concurrency = callerConcurrency(budgetSettings);
  const server = new ApolloServer<GatewayContext>({
    gateway,
    logger: apolloLogger('gateway'),
    // The process's own signal handlers stop the server, the pool and then the process.
    stopOnTerminationSignals: false,
    // Stack traces tell an attacker about the code and tell a client nothing it can act on.
    includeStacktraceInErrorResponses: false,
    introspection: limits.introspection,
    allowBatchedHttpRequests: true,
    // A persisted query carries no text: the cache could not tell a write from a read.
    persistedQueries: false,
    validationRules: rules,
    // The manifest's documents are parsed and validated once, when the schema loads.
    documentStore: trusted.documentStore,
    plugins: [
      // An operationName that chooses nothing, or an input outside its domain: a 400 before
      // any planning (the planner would throw an internal error).
      inputDomainsPlugin(),
      // Fields the caller's token may not read by the owners' @authenticated/@requiresScopes:
      // out of the operation before planning, null with their error in the answer.
      edgeAccessPlugin(supergraphSdl),
      // What the planner still refuses of an operation that passed validation: a 400 too.
      plannerRefusalPlugin(),
      // Charges each computed answer to its caller: a slot among the operations it may have in
      // flight, then its cost to the budget (cache hits never get here).
      costLimitPlugin(limits, chargeCaller(concurrency, budget)),
      // librarianByNip once per operation; lookups by identifier bounded per caller and hour.
      lookupBudgetPlugin(lookupBudgetFromEnv()),
      ...(concurrency ? [concurrency.plugin] : []),
      outcomeRecorder,
      // The response cache keys answers itself; Apollo's per-request policy would go unused.
      ApolloServerPluginCacheControlDisabled(),
      errorCounter('gateway'),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await server.start();
  const responseCache = cacheSettings.enabled
    ? {
        store: cacheSettings.redisUrl
          ? redisStore(cacheSettings.redisUrl, cacheSettings.redisKeyPrefix)
          : memoryStore(cacheSettings.maxBytes),
        ttlSeconds: cacheSettings.ttlSeconds,
        mayStore: storeBudget(cacheSettings),
      }
    : undefined;
  await responseCache?.store.started;

  app.use(requestObserver('gateway'));
  app.use(responseCompression());
  // First of the routes: the API's requests, nearly all of them, walk past no other layer.
  app.use(
    '/graphql',
    callerIdentity(verifyToken),
    refuseSpentCallers(budget),
    express.json({ limit: limits.maxBodyBytes }),
    batchLimit(limits),
    trusted.middleware,
    graphqlHandler({
      server,
      verifyToken,
      analyse: operationAnalyser(() => apiSchema, indexSupergraph(supergraphSdl)),
      cache: responseCache,
      admit: admission(concurrency, budget),
    }),
  );

  app.use('/graphql', requestErrorHandler(limits));
  app.get('/metrics', metricsHandler);
  app.use(debugStats());
  app.use(explorerRouter());
  app.use(dashboardRouter());
  // The schema file says what introspection would: off with it.
  if (limits.introspection)
    app.get(
      '/schema.graphql',
      publicSchemaHandler(() => apiSchema, supergraphSdl),
    );
  // Liveness: the process answers; no subgraph is asked (readiness is /health).
  app.get('/livez', (_req, res) => {
    res.json({ service: 'gateway', status: 'ok' });
  });
  app.get('/health', async (_req, res) => {
    const subgraphs = await healthOfSubgraphs.states();
    const allUp = Object.values(subgraphs).every((state) => state === 'up');
    // A cache that is slow or away costs speed, not answers: degraded, still 200.
    const cache = responseCache ? responseCache.store.state() : 'off';
    res.status(allUp ? 200 : 503).json({
      service: 'gateway',
      status: allUp && cache !== 'degraded' ? 'ok' : 'degraded',
      cache,
      subgraphs,
    });
  });

  await listen(httpServer, port);
  const address = httpServer.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://localhost:${boundPort}/graphql`;
  log.info(`gateway ready at ${url} (explorer at http://localhost:${boundPort}/)`, {
    service: 'gateway',
  });
  return {
    url,
    port: boundPort,
    stop: async () => {
      healthOfSubgraphs.stop();
      await server.stop();
      await Promise.all(fetchers.map((fetcher) => fetcher.close()));
      await responseCache?.store.close();
      await budget?.close();
    },
  };
}
