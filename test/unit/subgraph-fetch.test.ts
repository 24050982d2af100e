import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ARRIVED_AT_HEADER, subgraphFetcher } from '../../gateway/subgraph-fetch';

/** A subgraph stand-in that answers after a pause and counts what it received. */
function slowServer(pauseMs: number) {
  const received: {
    body: string;
    authorization?: string;
    arrivedAt?: string;
    traceparent?: string;
  }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const arrivedAt = req.headers[ARRIVED_AT_HEADER] as string | undefined;
      const traceparent = req.headers.traceparent as string | undefined;
      received.push({ body, authorization: req.headers.authorization, arrivedAt, traceparent });
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { n: received.length } }));
      }, pauseMs);
    });
  });
  return { server, received };
}

describe('subgraph fetches', () => {
  const { server, received } = slowServer(100);
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => received.splice(0));

  /** A subgraph request of a client's request that arrived at `arrivedAt` (performance.now()). */
  const init = (query: string, authorization = 'Bearer a', arrivedAt = 0) => ({
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization,
      [ARRIVED_AT_HEADER]: String(arrivedAt),
    },
    body: JSON.stringify({ query, variables: {} }),
  });

  it('sends identical reads in flight at the same time once, and gives each caller the answer', async () => {
    const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup: true });
    const read = init('query Q__library__0 { facilities { id } }');
    const responses = await Promise.all(Array.from({ length: 10 }, () => fetcher(url, read)));
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(received).toHaveLength(1);
    // Tracing is off here: the request goes out as it came.
    expect(received[0]!.traceparent).toBeUndefined();
    expect(new Set(bodies.map((body) => JSON.stringify(body)))).toEqual(
      new Set([JSON.stringify({ data: { n: 1 } })]),
    );
    // Once answered, the next identical read is sent again: nothing is cached here.
    await fetcher(url, read);
    expect(received).toHaveLength(2);
  });

  it('keeps callers apart, and never merges writes', async () => {
    const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup: true });
    const read = 'query Q__library__0 { facilities { id } }';
    const write = 'mutation M__library__0 { createFacility(input: {}) { id } }';
    await Promise.all([
      fetcher(url, init(read, 'Bearer a')),
      fetcher(url, init(read, 'Bearer b')),
      fetcher(url, init(write)),
      fetcher(url, init(write)),
    ]);
    expect(received).toHaveLength(4);
    expect(received.filter((r) => r.body.includes('mutation'))).toHaveLength(2);
  });

  it('never lets a read share a fetch begun before the read arrived', async () => {
    const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup: true });
    const read = 'query Q__library__0 { facilities { id } }';
    const before = fetcher(url, init(read));
    const arrivedEarlier = fetcher(url, init(read));
    // A client's request that arrived after the first fetch began (after a write's response,
    // say) gets a fetch of its own; one that arrives later still may share that one.
    const arrivedLater = performance.now();
    const afterIt = fetcher(url, init(read, 'Bearer a', arrivedLater));
    const sameMoment = fetcher(url, init(read, 'Bearer a', arrivedLater));
    const noArrival = fetcher(url, { ...init(read), headers: { authorization: 'Bearer a' } });
    await Promise.all([before, arrivedEarlier, afterIt, sameMoment, noArrival]);
    expect(received).toHaveLength(3);
    // The arrival is the gateway's own business: subgraphs never see it.
    expect(received.map((request) => request.arrivedAt)).toEqual([undefined, undefined, undefined]);
  });

  it('sends every request when deduplication is off', async () => {
    const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup: false });
    const read = init('{ facilities { id } }');
    await Promise.all(Array.from({ length: 3 }, () => fetcher(url, read)));
    expect(received).toHaveLength(3);
  });

  it('names the subgraph when it does not answer in time', async () => {
    const fetcher = subgraphFetcher('library', { timeoutMs: 20, dedup: true });
    await expect(fetcher(url, init('{ facilities { id } }'))).rejects.toMatchObject({
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'library' },
    });
  });

  describe('with tracing on', () => {
    const spans = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    beforeAll(() => provider.register());
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    });

    /** Runs `work` in a new trace's root span, as Apollo's gateway runs a fetch in its span. */
    const inSpan = async <T>(name: string, work: () => Promise<T>) =>
      trace.getTracer('test').startActiveSpan(name, { root: true }, async (span) => {
        try {
          return { result: await work(), span };
        } finally {
          span.end();
        }
      });
    const traceparentOf = (span: { spanContext(): { traceId: string; spanId: string } }) =>
      `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

    it("sends the active span's trace context, so the subgraph continues the trace", async () => {
      const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup: true });
      const read = init('{ agreements { totalCount } }');
      const { span } = await inSpan('fetch', () => fetcher(url, read));
      // (A request of an earlier test may still arrive: only this one is looked at.)
      const sent = received.filter((request) => request.body === read.body);
      expect(sent.map((request) => request.traceparent)).toEqual([traceparentOf(span)]);
    });

    it('still sends identical reads of different traces once: the trace is no part of the key', async () => {
      const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup: true });
      const read = init('query Q__library__0 { facilities { id } }');
      spans.reset();
      const fetches = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          inSpan(`fetch ${index}`, () => fetcher(url, read)),
        ),
      );
      expect(new Set(fetches.map(({ span }) => span.spanContext().traceId)).size).toBe(10);
      expect(received).toHaveLength(1);
      // The fetch carries the trace of the request that sent it; the others' spans say so.
      expect(received[0]!.traceparent).toBe(traceparentOf(fetches[0]!.span));
      const shared = spans
        .getFinishedSpans()
        .filter((span) => span.attributes['coop.subgraph_fetch.shared'] === true)
        .map((span) => span.name);
      expect(shared.sort()).toEqual(
        fetches
          .slice(1)
          .map((_, index) => `fetch ${index + 1}`)
          .sort(),
      );
    });
  });
});

describe('subgraph responses', () => {
  /** Answers with a header of its own; `/stall` sends half its body and then nothing. */
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-subgraph-note', 'seen');
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"data":');
        return;
      }
      res.end(JSON.stringify({ data: { ok: true } }));
    });
  });
  let base: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });

  const read = { method: 'POST', body: JSON.stringify({ query: '{ facilities { id } }' }) };

  it.each([true, false])(
    'hands the data source the subgraph’s status and headers (dedup %s)',
    async (dedup) => {
      const fetcher = subgraphFetcher('library', { timeoutMs: 5000, dedup });
      try {
        const response = await fetcher(`${base}/graphql`, read);
        expect(response).toMatchObject({ ok: true, status: 200, statusText: 'OK' });
        expect(response.headers.get('X-Subgraph-Note')).toBe('seen');
        expect(response.headers.get('content-type')).toBe('application/json');
        const copy = response.clone();
        expect(await response.json()).toEqual({ data: { ok: true } });
        expect(response.bodyUsed).toBe(true);
        await expect(response.text()).rejects.toThrow(TypeError);
        expect(await copy.text()).toBe('{"data":{"ok":true}}');
      } finally {
        await fetcher.close();
      }
    },
  );

  it.each([true, false])(
    'names the subgraph when its body stops coming within the timeout (dedup %s)',
    async (dedup) => {
      const fetcher = subgraphFetcher('library', { timeoutMs: 300, dedup });
      try {
        const started = performance.now();
        const response = fetcher(`${base}/stall`, read).then((answer) => answer.json());
        await expect(response).rejects.toMatchObject({
          message: 'The library subgraph did not answer within 300 ms',
          extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'library' },
        });
        expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      } finally {
        await fetcher.close();
      }
    },
  );
});
