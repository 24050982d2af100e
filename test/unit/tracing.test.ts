import { context, propagation, trace } from '@opentelemetry/api';

/** Where @opentelemetry/api keeps what a process registered (tracer provider, propagator, …). */
const registered = () =>
  (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
    Symbol.for('opentelemetry.js.api.1')
  ];

/** The SDK's modules: with tracing off, none may even be loaded. */
const SDK_MODULES = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/resources',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation',
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-pg',
];

type TracingModule = typeof import('../../packages/common/src/tracing');

/** tracing.ts as an entry loads it: fresh, under `env`. */
function loadTracing(env: Record<string, string>, forbidSdk: boolean): TracingModule {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let loaded: TracingModule | undefined;
    jest.isolateModules(() => {
      for (const name of SDK_MODULES) {
        if (!forbidSdk) jest.dontMock(name);
        else {
          jest.doMock(name, () => {
            throw new Error(`${name} was loaded with tracing off`);
          });
        }
      }
      loaded = require('../../packages/common/src/tracing') as TracingModule;
    });
    return loaded!;
  } finally {
    process.env = saved;
  }
}

describe('tracing', () => {
  beforeEach(() => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  });
  afterEach(() => {
    trace.disable();
    propagation.disable();
    context.disable();
    jest.resetModules();
  });

  it('without an endpoint registers nothing and loads none of the SDK', () => {
    const tracing = loadTracing({}, true);
    expect(tracing.startTracing('library')).toBeUndefined();
    expect(registered()).toBeUndefined();
    // The gateway's injection is a no-op: subgraph requests are unchanged.
    expect(tracing.traceContextHeaders()).toEqual({});
  });

  it('with an endpoint registers a tracer provider and the W3C propagator', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
    const tracing = loadTracing(env, false);
    const started = tracing.startTracing('library', env);
    expect(started).toBeDefined();
    expect(Object.keys(registered() ?? {})).toEqual(
      expect.arrayContaining(['trace', 'propagation', 'context']),
    );
    const span = trace.getTracer('test').startSpan('request');
    const headers = context.with(trace.setSpan(context.active(), span), () =>
      tracing.traceContextHeaders(),
    );
    const { traceId, spanId } = span.spanContext();
    expect(headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    await started!.shutdown();
  });

  it('tells when it is on', () => {
    const { tracingEndpoint } = loadTracing({}, true);
    expect(tracingEndpoint({})).toBeUndefined();
    expect(tracingEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(
      'http://collector:4318',
    );
    expect(
      tracingEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
      }),
    ).toBe('http://traces:4318/v1/traces');
    expect(
      tracingEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
  });
});
