import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PKS_ID, SERVICES } from '@coop/common';
import {
  freePort,
  spawnTypeScript,
  stopProcess,
  waitForHealthy,
} from '../../scripts/lib/processes';
import { contractText } from '../support/contract';
import { adminToken, query, testStack } from '../support/stack';

/**
 * Issue 13: with OTEL_EXPORTER_OTLP_ENDPOINT set, one request is one trace across the gateway
 * and the three subgraphs, with the subgraph fetches and the SQL statements as descendants, and
 * a caller's `traceparent` is continued. The four services are processes of their own (on the
 * shared test database, seeded already), exporting OTLP/HTTP JSON to a receiver in this test.
 */

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const SPAN_KIND_SERVER = 2;

/** An OTLP/HTTP receiver (JSON encoding) keeping every span it is sent. */
function otlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') collect(JSON.parse(body) as OtlpTraces);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  const collect = (payload: OtlpTraces) => {
    for (const resourceSpans of payload.resourceSpans ?? []) {
      const service = String(valueOf(resourceSpans.resource?.attributes, 'service.name'));
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            attributes: Object.fromEntries(
              (span.attributes ?? []).map(({ key }) => [key, valueOf(span.attributes, key)]),
            ),
          });
        }
      }
    }
  };
  return { server, spans };
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

function valueOf(attributes: OtlpAttribute[] | undefined, key: string): unknown {
  const value = attributes?.find((attribute) => attribute.key === key)?.value;
  return value?.stringValue ?? value?.intValue ?? value?.boolValue;
}

const AGREEMENT = contractText('Agreement');

const SUBGRAPHS = ['library', 'bpsdm-central', 'bpsdm-regional'];

describe('traces across the graph', () => {
  const receiver = otlpReceiver();
  const children: ChildProcess[] = [];
  let gatewayUrl: string;
  let token: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const receiverPort = (receiver.server.address() as AddressInfo).port;
    const [gatewayPort, ...subgraphPorts] = await Promise.all(
      Array.from({ length: 4 }, () => freePort()),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
      // Spans reach the receiver within a tenth of a second instead of five.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      SEED_ON_START: 'none',
      AUTH_DEV_KEY_DIR: testStack().devKeyDir,
      AUTH_JWKS_URL: '',
      AUTH_PUBLIC_KEY: '',
      GATEWAY_PORT: String(gatewayPort),
      // Every request is computed, so every one reaches the subgraphs.
      RESPONSE_CACHE: 'off',
    };
    SERVICES.forEach((service, index) => {
      env[service.portVariable] = String(subgraphPorts[index]);
      env[service.urlVariable] = `http://localhost:${subgraphPorts[index]}/graphql`;
    });
    // All four at once: the gateway's health turns 200 once the subgraphs answer.
    const start = (entry: string, serviceEnv: NodeJS.ProcessEnv, healthUrl: string) => {
      const child = spawnTypeScript(entry, serviceEnv, 'pipe');
      child.stdout?.resume();
      child.stderr?.resume();
      children.push(child);
      return waitForHealthy(healthUrl, 120_000, child);
    };
    await Promise.all([
      ...SERVICES.map((service, index) =>
        start(
          `services/${service.name}/index.ts`,
          { ...env, DATABASE_URL: testStack().databaseUrls[service.name] },
          `http://localhost:${subgraphPorts[index]}/health`,
        ),
      ),
      start('gateway/index.ts', env, `http://localhost:${gatewayPort}/health`),
    ]);
    gatewayUrl = `http://localhost:${gatewayPort}/graphql`;
    token = await adminToken();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  /** The spans of one trace, once every service's have arrived and no more come. */
  async function traceOf(traceId: string): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + 15_000;
    let previous = -1;
    while (Date.now() < deadline) {
      const spans = receiver.spans.filter((span) => span.traceId === traceId);
      const services = new Set(spans.map((span) => span.service));
      if (services.size === 4 && spans.length === previous) return spans;
      previous = spans.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return receiver.spans.filter((span) => span.traceId === traceId);
  }

  function ancestorsOf(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors: ReceivedSpan[] = [];
    for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) {
      ancestors.push(parent);
    }
    return ancestors;
  }

  /** One tree: one root, the gateway's server span; fetches and SQL where they belong. */
  function expectOneRequestTrace(spans: ReceivedSpan[]) {
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => !ids.has(span.parentSpanId));
    expect(roots.map((root) => [root.service, root.kind])).toEqual([['gateway', SPAN_KIND_SERVER]]);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['gateway', ...SUBGRAPHS]));
    const fetches = spans.filter((span) => span.name === 'gateway.fetch');
    for (const subgraph of SUBGRAPHS) {
      // The subgraph's server span continues the gateway's fetch of that very subgraph.
      const served = spans.filter((s) => s.service === subgraph && s.kind === SPAN_KIND_SERVER);
      expect(served.length).toBeGreaterThan(0);
      for (const server of served) {
        const parent = fetches.find((fetch) => fetch.spanId === server.parentSpanId);
        expect(parent?.attributes.service).toBe(subgraph);
      }
      // Its SQL statements lie under its server span.
      const statements = spans.filter(
        (s) => s.service === subgraph && s.attributes['db.system.name'] === 'postgresql',
      );
      expect(statements.some((s) => typeof s.attributes['db.query.text'] === 'string')).toBe(true);
      for (const statement of statements) {
        expect(ancestorsOf(statement, spans)).toContainEqual(
          expect.objectContaining({ service: subgraph, kind: SPAN_KIND_SERVER }),
        );
      }
    }
    return roots[0]!;
  }

  it('makes one trace of a request that touches all three subgraphs', async () => {
    const before = receiver.spans.length;
    const data = await query(
      AGREEMENT,
      { id: PKS_ID },
      { url: gatewayUrl, token, asGateway: false },
    );
    expect(data).toMatchObject({ agreement: { kind: 'PKS', programs: expect.any(Array) } });
    // Health checks are not traced: this request is the only one this gateway was sent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const gatewayRoots = receiver.spans
      .slice(before)
      .filter((span) => span.service === 'gateway' && !span.parentSpanId);
    expect(gatewayRoots).toHaveLength(1);
    const spans = await traceOf(gatewayRoots[0]!.traceId);
    expectOneRequestTrace(spans);
  });

  it("continues the caller's traceparent", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${parentId}-01`,
      },
      body: JSON.stringify({ query: AGREEMENT, variables: { id: PKS_ID } }),
    });
    expect(response.status).toBe(200);
    const spans = await traceOf(traceId);
    const root = expectOneRequestTrace(spans);
    expect(root.parentSpanId).toBe(parentId);
  });
});
