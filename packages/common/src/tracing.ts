/**
 * OpenTelemetry traces, on only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: spans go there over OTLP/HTTP (JSON). Off, not
 * one module of the SDK is loaded; what remains are calls on @opentelemetry/api's no-op tracer
 * and propagator (Apollo's gateway spans, `traceContextHeaders` on calls between services).
 *
 * Every entry imports this module first: importing it patches `http` (a server span per
 * `/graphql` request, continuing the caller's W3C `traceparent`) and `pg` (a span per SQL
 * statement inside a request) before anything loads them; `startTracing` then names the
 * service and starts exporting.
 */
import { context, propagation } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';

type Env = Record<string, string | undefined>;

/** Where spans are sent; undefined: tracing is off. */
export function tracingEndpoint(env: Env = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

function instrument(): Instrumentation[] {
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const instrumentations = [
    new HttpInstrumentation({
      // Health checks (one a second from the gateway and orchestrators), metrics and debug
      // endpoints would bury the requests in traces of their own.
      ignoreIncomingRequestHook: (request) => !request.url?.startsWith('/graphql'),
      // The services call out with fetch, the gateway with undici (subgraph-fetch.ts injects
      // the context); the only `http` client is the exporter itself.
      disableOutgoingRequestInstrumentation: true,
    }),
    // Only statements run for a request: migrations, seeding and health probes stay out.
    new PgInstrumentation({ requireParentSpan: true }),
  ];
  registerInstrumentations({ instrumentations });
  return instrumentations;
}

const instrumentations = tracingEndpoint() ? instrument() : [];

export interface Tracing {
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Starts exporting this process's spans as `serviceName` (`service.name`), with the W3C trace
 * context propagator and an AsyncLocalStorage context manager; does nothing, and returns
 * undefined, without an endpoint.
 */
export function startTracing(serviceName: string, env: Env = process.env): Tracing | undefined {
  if (!tracingEndpoint(env)) return undefined;
  const { NodeTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  // The exporter reads the endpoint, headers and timeout from the standard OTEL_ variables, and
  // the batch processor its delay and sizes (OTEL_BSP_*).
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  // A stop (SIGTERM, Ctrl-C) sends what is buffered while the server drains.
  const flushOnStop = () => void provider.forceFlush().catch(() => undefined);
  process.once('SIGTERM', flushOnStop);
  process.once('SIGINT', flushOnStop);
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      for (const instrumentation of instrumentations) instrumentation.disable();
      await provider.shutdown();
    },
  };
}

/**
 * The active trace context as request headers (W3C `traceparent`, `tracestate`), for a call to
 * another service; empty with tracing off.
 */
export function traceContextHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
