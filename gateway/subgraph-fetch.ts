import { EventEmitter } from 'node:events';
import { subgraphFetches } from '@coop/common';
import type { FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { traceContextHeaders } from '@coop/common/tracing';
import { trace } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import { Agent, type Dispatcher } from 'undici';
import { SubgraphHeaders, SubgraphResponse } from './subgraph-response';

/**
 * Set by the gateway on its own subgraph requests (never sent on): when the client's request
 * arrived (`performance.now()`). A read joins only a fetch begun after that: such a fetch
 * began after every write whose response the client had seen, so it cannot predate one.
 */
export const ARRIVED_AT_HEADER = 'x-coop-arrived-at';

/** Only reads are merged: the gateway writes its subgraph operations as `query …` or `{ … }`. */
const READ_OPERATION = /^\{"query":"(?:query\b|\{)/;

interface SubgraphAnswer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  /** The body, read once; a body cut off or too slow fails naming the subgraph. */
  text: () => Promise<string>;
}

interface BufferedAnswer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

/** A subgraph fetch as `RemoteGraphQLDataSource` calls it; `close` ends its kept-alive sockets. */
export type SubgraphFetcher = ((
  url: string,
  init?: FetcherRequestInit,
) => Promise<FetcherResponse>) & { close(): Promise<void> };

/**
 * The headers sent to the subgraph: the data source's, less the gateway's own arrival stamp,
 * plus the active trace context (W3C `traceparent`), so the subgraph's spans continue the
 * gateway's fetch span. The trace is no part of the deduplication key: requests of different
 * traces still share a fetch (the first one's trace gets the subgraph's spans). With tracing
 * off the propagator adds nothing.
 */
function outgoingHeaders(init: FetcherRequestInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init?.headers ?? {})) {
    if (name !== ARRIVED_AT_HEADER) headers[name] = value;
  }
  return Object.assign(headers, traceContextHeaders());
}

/** `http://host:port/path` as undici dispatches it; the few subgraph URLs are parsed once. */
function targetOf(cache: Map<string, { origin: string; path: string }>, url: string) {
  let target = cache.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    cache.set(url, target);
  }
  return target;
}

/**
 * How the gateway calls one subgraph: over kept-alive connections (undici), within a timeout,
 * naming the subgraph when it fails, and — when `dedup` is on — sending identical reads that
 * are in flight at the same time (same body, same caller's token) once, as Hive Gateway and
 * Apollo Router do; every caller gets its own response over the one buffered body.
 */
export function subgraphFetcher(
  subgraph: string,
  options: {
    /** Bounds the whole fetch, from connecting to the body's last byte. */
    timeoutMs: number;
    dedup: boolean;
    /** Told when the subgraph cannot be reached, and when it answers (health.ts). */
    onUnreachable?: () => void;
    onAnswered?: () => void;
  },
): SubgraphFetcher {
  const dispatcher = new Agent();
  const targets = new Map<string, { origin: string; path: string }>();
  const inFlight = new Map<string, { startedAt: number; response: Promise<BufferedAnswer> }>();

  /** Names the missing part: the client sees which subgraph its partial answer lacks. */
  function failure(timedOut: boolean): GraphQLError {
    return new GraphQLError(
      timedOut
        ? `The ${subgraph} subgraph did not answer within ${options.timeoutMs} ms`
        : `The ${subgraph} subgraph is unreachable`,
      { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraph } },
    );
  }

  async function send(url: string, init: FetcherRequestInit | undefined): Promise<SubgraphAnswer> {
    const timer = subgraphFetches.startTimer({ subgraph });
    // undici takes an EventEmitter as its abort signal: an AbortSignal costs far more to make.
    // Node keeps one list per timeout duration, so every fetch's timer shares one OS timer.
    const cancel = new EventEmitter();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      cancel.emit('abort');
    }, options.timeoutMs);
    try {
      const { statusCode, headers, body } = await dispatcher.request({
        ...targetOf(targets, url),
        method: (init?.method ?? 'POST') as Dispatcher.HttpMethod,
        headers: outgoingHeaders(init),
        body: init?.body,
        signal: cancel,
      });
      timer({ outcome: statusCode >= 200 && statusCode < 300 ? 'ok' : 'error' });
      options.onAnswered?.();
      const text = () =>
        body.text().then(
          (answer) => {
            clearTimeout(deadline);
            return answer;
          },
          () => {
            clearTimeout(deadline);
            throw failure(timedOut);
          },
        );
      return { status: statusCode, headers, text };
    } catch {
      clearTimeout(deadline);
      timer({ outcome: timedOut ? 'timeout' : 'error' });
      options.onUnreachable?.();
      throw failure(timedOut);
    }
  }

  async function sendBuffered(url: string, init: FetcherRequestInit | undefined) {
    const { status, headers, text } = await send(url, init);
    return { status, headers, text: await text() };
  }

  const fetcher = async (url: string, init?: FetcherRequestInit): Promise<FetcherResponse> => {
    const body = init?.body;
    if (!options.dedup || typeof body !== 'string' || !READ_OPERATION.test(body)) {
      const answer = await send(url, init);
      return new SubgraphResponse(
        url,
        answer.status,
        new SubgraphHeaders(answer.headers),
        answer.text,
      );
    }
    const requestHeaders = init?.headers ?? {};
    const arrivedAt = Number(requestHeaders[ARRIVED_AT_HEADER] || Number.POSITIVE_INFINITY);
    const key = `${url}\n${requestHeaders.authorization ?? ''}\n${body}`;
    let pending = inFlight.get(key);
    if (pending && pending.startedAt >= arrivedAt) {
      // This fetch's answer comes from another request's: its subgraph spans are in that trace.
      trace.getActiveSpan()?.setAttribute('coop.subgraph_fetch.shared', true);
    } else {
      const entry = { startedAt: performance.now(), response: sendBuffered(url, init) };
      inFlight.set(key, entry);
      const forget = () => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
      };
      entry.response.then(forget, forget);
      pending = entry;
    }
    const { status, headers, text } = await pending.response;
    return new SubgraphResponse(url, status, new SubgraphHeaders(headers), () =>
      Promise.resolve(text),
    );
  };
  return Object.assign(fetcher, { close: () => dispatcher.close() });
}
