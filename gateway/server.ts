import fs from 'node:fs';
import http from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import {
  createTokenVerifier,
  errorCounter,
  log,
  metricsHandler,
  requestObserver,
  SERVICES,
  serviceUrl,
  subgraphFetches,
  type RunningService,
} from '@coop/common';
import type { FetcherRequestInit } from '@apollo/utils.fetcher';
import express from 'express';
import { GraphQLError } from 'graphql';
import { SUPERGRAPH_PATH } from './compose';
import { explorerPage } from './explorer';
import {
  batchLimit,
  costLimitPlugin,
  limitsFromEnv,
  requestErrorHandler,
  validationRules,
  type Limits,
} from './limits';

interface GatewayContext {
  /** Headers passed on to every subgraph. */
  forwardedHeaders: Record<string, string>;
}

/** Headers a subgraph needs from the client's request. */
const FORWARDED_HEADERS = ['authorization', 'x-request-id'];

/** Where each subgraph is: `<NAME>_URL` or the default port on localhost. */
export function subgraphUrls(): Record<string, string> {
  return Object.fromEntries(SERVICES.map((service) => [service.name, serviceUrl(service)]));
}

async function subgraphHealth(url: string): Promise<'up' | 'down'> {
  try {
    const response = await fetch(url.replace(/\/graphql$/, '/health'), {
      signal: AbortSignal.timeout(2000),
    });
    return response.ok ? 'up' : 'down';
  } catch {
    return 'down';
  }
}

/**
 * The gateway: serves the checked-in supergraph (no polling, no schema registry), the explorer
 * at `/`, the API at `/graphql` and its health, with each subgraph's, at `/health`.
 */
export async function startGateway(
  port: number,
  urls: Record<string, string> = subgraphUrls(),
  limits: Limits = limitsFromEnv(),
): Promise<RunningService> {
  const verifyToken = createTokenVerifier();
  // A subgraph that does not answer in time costs its part of the answer, not the request.
  const fetcherFor = (subgraph: string) => async (url: string, init?: FetcherRequestInit) => {
    const timer = subgraphFetches.startTimer({ subgraph });
    try {
      const response = await fetch(url, {
        ...init,
        body: init?.body as string | undefined,
        signal: AbortSignal.timeout(limits.subgraphTimeoutMs),
      });
      timer({ outcome: response.ok ? 'ok' : 'error' });
      return response;
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      timer({ outcome: timedOut ? 'timeout' : 'error' });
      // Name the missing part: the client sees which subgraph its partial answer lacks.
      throw new GraphQLError(
        timedOut
          ? `The ${subgraph} subgraph did not answer within ${limits.subgraphTimeoutMs} ms`
          : `The ${subgraph} subgraph is unreachable`,
        { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraph } },
      );
    }
  };
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: urls[name] ?? url,
        fetcher: fetcherFor(name),
        willSendRequest({ request, context }) {
          const headers: Record<string, string> = context.forwardedHeaders ?? {};
          for (const [header, value] of Object.entries(headers)) {
            request.http?.headers.set(header, value);
          }
        },
      }),
  });
  const app = express();
  const httpServer = http.createServer(app);
  const server = new ApolloServer<GatewayContext>({
    gateway,
    // The process's own signal handlers stop the server, the pool and then the process.
    stopOnTerminationSignals: false,
    // Stack traces tell an attacker about the code and tell a client nothing it can act on.
    includeStacktraceInErrorResponses: false,
    introspection: limits.introspection,
    allowBatchedHttpRequests: true,
    validationRules: validationRules(limits),
    plugins: [
      costLimitPlugin(limits),
      errorCounter('gateway'),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await server.start();

  app.use(requestObserver('gateway'));
  app.get('/metrics', metricsHandler);
  app.use((await import('@coop/common')).debugStats());
  app.get('/', (_req, res) => {
    res.type('html').send(explorerPage());
  });
  app.get('/health', async (_req, res) => {
    const entries = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => [name, await subgraphHealth(url)] as const),
    );
    const subgraphs = Object.fromEntries(entries);
    const allUp = entries.every(([, state]) => state === 'up');
    res.status(allUp ? 200 : 503).json({
      service: 'gateway',
      status: allUp ? 'ok' : 'degraded',
      subgraphs,
    });
  });
  app.use(
    '/graphql',
    express.json({ limit: limits.maxBodyBytes }),
    batchLimit(limits),
    expressMiddleware(server, {
      // A bad token is refused here (401) before any subgraph is asked; each subgraph verifies
      // the forwarded token again, so calling one directly grants nothing more.
      context: async ({ req }) => {
        await verifyToken(req.headers.authorization);
        return {
          forwardedHeaders: Object.fromEntries(
            FORWARDED_HEADERS.flatMap((header) => {
              const value = req.headers[header];
              return typeof value === 'string' ? [[header, value]] : [];
            }),
          ),
        };
      },
    }),
  );

  app.use('/graphql', requestErrorHandler(limits));

  await new Promise<void>((resolve) => httpServer.listen(port, resolve));
  const address = httpServer.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://localhost:${boundPort}/graphql`;
  log.info(`gateway ready at ${url} (explorer at http://localhost:${boundPort}/)`, {
    service: 'gateway',
  });
  return { url, port: boundPort, stop: () => server.stop() };
}
