import { subgraphFetches } from '@coop/common';
import type { FetcherRequestInit } from '@apollo/utils.fetcher';
import { traceContextHeaders } from '@coop/common/tracing';
import { trace } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';

interface BufferedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  text: string;
}

/**
 * Set by the gateway on its own subgraph requests (never sent on): when the client's request
 * arrived (`performance.now()`). A read joins only a fetch begun after that: such a fetch
 * began after every write whose response the client had seen, so it cannot predate one.
 */
export const ARRIVED_AT_HEADER = 'x-coop-arrived-at';

/** Only reads are merged: the gateway writes its subgraph operations as `query …` or `{ … }`. */
const READ_OPERATION = /^\{"query":"(?:query\b|\{)/;

function headerOf(init: FetcherRequestInit | undefined, name: string): string {
  const headers = (init?.headers ?? {}) as Record<string, string>;
  return headers[name] ?? '';
}

function withoutHeader(
  init: FetcherRequestInit | undefined,
  name: string,
): FetcherRequestInit | undefined {
  if (!init?.headers || !(name in init.headers)) return init;
  const headers = { ...(init.headers as Record<string, string>) };
  delete headers[name];
  return { ...init, headers };
}

/**
 * The request with the active trace context (W3C `traceparent`): the subgraph's spans continue
 * the gateway's fetch span. Added after the deduplication key is made, so requests of different
 * traces still share a fetch (the first one's trace gets the subgraph's spans). With tracing off
 * the propagator is a no-op and the request is unchanged.
 */
function withTraceContext(init: FetcherRequestInit | undefined): FetcherRequestInit | undefined {
  const traceHeaders = traceContextHeaders();
  if (Object.keys(traceHeaders).length === 0) return init;
  return { ...init, headers: { ...init?.headers, ...traceHeaders } };
}

/**
 * How the gateway calls one subgraph: with a timeout, naming the subgraph when it fails, and —
 * when `dedup` is on — sending identical reads that are in flight at the same time (same body,
 * same caller's token) once, as Hive Gateway and Apollo Router do. Every caller gets its own
 * copy of the response.
 */
export function subgraphFetcher(
  subgraph: string,
  options: {
    timeoutMs: number;
    dedup: boolean;
    /** Told when the subgraph cannot be reached, and when it answers (health.ts). */
    onUnreachable?: () => void;
    onAnswered?: () => void;
  },
) {
  const inFlight = new Map<string, { startedAt: number; response: Promise<BufferedResponse> }>();

  async function send(url: string, request: FetcherRequestInit | undefined): Promise<Response> {
    const timer = subgraphFetches.startTimer({ subgraph });
    const init = withTraceContext(request);
    try {
      const response = await fetch(url, {
        ...init,
        body: init?.body as string | undefined,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      timer({ outcome: response.ok ? 'ok' : 'error' });
      options.onAnswered?.();
      return response;
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      timer({ outcome: timedOut ? 'timeout' : 'error' });
      options.onUnreachable?.();
      // Name the missing part: the client sees which subgraph its partial answer lacks.
      throw new GraphQLError(
        timedOut
          ? `The ${subgraph} subgraph did not answer within ${options.timeoutMs} ms`
          : `The ${subgraph} subgraph is unreachable`,
        { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraph } },
      );
    }
  }

  async function sendBuffered(url: string, init: FetcherRequestInit | undefined) {
    const response = await send(url, init);
    return {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
      text: await response.text(),
    };
  }

  return async (url: string, withArrival?: FetcherRequestInit): Promise<Response> => {
    const arrivedAt = Number(headerOf(withArrival, ARRIVED_AT_HEADER) || Number.POSITIVE_INFINITY);
    const init = withoutHeader(withArrival, ARRIVED_AT_HEADER);
    const body = init?.body;
    if (!options.dedup || typeof body !== 'string' || !READ_OPERATION.test(body)) {
      return send(url, init);
    }
    const key = `${url}\n${headerOf(init, 'authorization')}\n${body}`;
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
    const { text, ...meta } = await pending.response;
    const bodyless = meta.status === 204 || meta.status === 205 || meta.status === 304;
    return new Response(bodyless ? null : text, meta);
  };
}
