import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { logger } from './log';

/** One registry per process: `/metrics` serves it in the Prometheus text format. */
export const metrics = new Registry();
collectDefaultMetrics({ register: metrics });

const requests = new Counter({
  name: 'graphql_http_requests_total',
  help: 'HTTP requests to /graphql, by service, operation and status code',
  labelNames: ['service', 'operation', 'status'] as const,
  registers: [metrics],
});

const durations = new Histogram({
  name: 'graphql_http_request_duration_seconds',
  help: 'Duration of HTTP requests to /graphql, by service and operation',
  labelNames: ['service', 'operation'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

const errors = new Counter({
  name: 'graphql_errors_total',
  help: 'GraphQL errors in responses, by service, operation and error code',
  labelNames: ['service', 'operation', 'code'] as const,
  registers: [metrics],
});

export const subgraphFetches = new Histogram({
  name: 'gateway_subgraph_fetch_duration_seconds',
  help: 'Duration of the gateway’s calls to each subgraph, by outcome (ok, error, timeout)',
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

/** Operation names come from clients: keep the label set small and printable. */
function operationLabel(body: unknown): string {
  if (Array.isArray(body)) return 'batch';
  const { operationName, query } = (body ?? {}) as { operationName?: unknown; query?: unknown };
  const name =
    typeof operationName === 'string'
      ? operationName
      : typeof query === 'string'
        ? /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1]
        : undefined;
  return typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'anonymous';
}

/**
 * Gives every request an id (the caller's `x-request-id`, or a new one), echoes it in the
 * response, logs one line when the request ends and counts it. The gateway forwards the id to
 * the subgraphs, so one id follows a request through the whole graph.
 */
const QUIET_PATHS = new Set(['/health', '/livez', '/readyz', '/metrics']);

export function requestObserver(service: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const operation = operationLabel(req.body);
      if (req.path === '/graphql' || req.baseUrl === '/graphql') {
        requests.inc({ service, operation, status: String(res.statusCode) });
        durations.observe({ service, operation }, seconds);
      }
      // Probes and scrapes come every few seconds: logged only at LOG_LEVEL=debug.
      const level = QUIET_PATHS.has(req.path) ? 'debug' : 'info';
      logger[level](
        {
          service,
          requestId,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          operation,
          durationMs: Math.round(seconds * 1000),
        },
        'request',
      );
    });
    next();
  };
}

/** Counts the errors of every GraphQL response by code. */
export function errorCounter(service: string): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, request }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            const code = String(error.extensions?.code ?? 'UNKNOWN');
            errors.inc({ service, operation: operationLabel(request), code });
          }
        },
      };
    },
  };
}

export async function metricsHandler(_req: Request, res: Response): Promise<void> {
  res.type(metrics.contentType).send(await metrics.metrics());
}
