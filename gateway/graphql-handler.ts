import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { today, type Viewer } from '@coop/common';
import type { NextFunction, Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import { CALLER_HEADER } from './caller-budget';
import { changeOf, newChangeReports, readDependencies, type ChangeReports } from './change-reports';
import { cacheableBody, graphQLBody, type GraphQLBody } from './http-request';
import type { Audience, OperationFacts } from './operation-analysis';
import type { Lookup, ResponseStore, StoredAnswer } from './response-store';

export interface GatewayContext {
  /** Headers passed on to every subgraph. */
  forwardedHeaders: Record<string, string>;
  /** Filled in when the response is ready: whether it carries errors (errors are not cached). */
  outcome: { hadErrors: boolean };
  /**
   * When the request arrived (`performance.now()`): it may share only subgraph fetches begun
   * after that, so a read sent after a write's response never shares a fetch that began before
   * the write (subgraph-fetch.ts).
   */
  arrivedAt: number;
  /** What the subgraphs said this request's fetches read and wrote (change-reports.ts). */
  changeReports?: ChangeReports;
  /** Who is asking, from the verified token: what the edge's access checks judge (access.ts). */
  viewer?: Viewer;
}

/** Headers a subgraph needs from the client's request. */
const FORWARDED_HEADERS = ['authorization', 'x-request-id'];

export function forwardedHeaders(req: Request): Record<string, string> {
  return Object.fromEntries(
    FORWARDED_HEADERS.flatMap((header) => {
      const value = req.headers[header];
      return typeof value === 'string' ? [[header, value]] : [];
    }),
  );
}

export interface ResponseCache {
  store: ResponseStore;
  ttlSeconds: number;
  /** Whether an answer of this size may be stored for this caller (store-budget.ts). */
  mayStore: (caller: string, bytes: number) => Promise<boolean>;
}

export interface HandlerOptions {
  server: ApolloServer<GatewayContext>;
  /** Verifies the caller's token; throws (401) for a bad one. */
  verifyToken: (authorization: string | undefined) => Promise<Viewer>;
  analyse: (query: string, operationName: string | null | undefined) => OperationFacts;
  /** Absent: every answer is computed (RESPONSE_CACHE=off). */
  cache?: ResponseCache;
  /**
   * Asked before an answer is computed or shared from another request in flight (never for a
   * cache hit) with the caller named in CALLER_HEADER: an error (429) refuses it before Apollo
   * Server parses anything.
   */
  admit?: (caller: string) => Promise<GraphQLError | undefined>;
}

/** What may keep an answer, by audience: never a shared cache for anything but public data. */
const CACHE_CONTROL: Record<Audience, string> = {
  public: 'public, no-cache',
  viewer: 'private, no-cache',
  personal: 'private, no-store',
};
const NOT_STORABLE = 'no-store';

interface Answer extends StoredAnswer {
  status: number;
  headers: [string, string][];
  /** False only when the response is a complete result without errors. */
  hadErrors: boolean;
}

/** Apollo Server's response: complete (cacheable), or streamed (incremental delivery). */
type Execution = { answer: Answer } | { streamed: HTTPGraphQLResponse };

/**
 * Who an answer may be shared with, as part of its key: nobody for public data, the role and
 * province for data that depends on them. Null: not to be cached. Personal answers never are:
 * each must reach its owner's disclosure trail, which only the owner writes (decision 29).
 */
function audienceKey(audience: Audience, viewer: Viewer): unknown[] | null {
  switch (audience) {
    case 'public':
      return ['public'];
    case 'viewer':
      return ['viewer', viewer.authenticated, viewer.role, viewer.provinceCode];
    case 'personal':
      return null;
  }
}

function cacheKey(req: Request, body: GraphQLBody, audience: unknown[]): string {
  // Statuses that follow from today's date (ACTIVE, EXPIRED) stay exact across midnight.
  const parts = [
    body.query,
    body.operationName ?? null,
    body.variables ?? null,
    body.extensions ?? null,
    req.headers.accept ?? '',
    today(),
    audience,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

function send(res: Response, answer: Answer, cacheControl: string, cacheState: string): void {
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.setHeader('cache-control', cacheControl);
  res.setHeader('x-cache', cacheState);
  res.status(answer.status).send(answer.body);
}

async function streamOut(res: Response, response: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.setHeader('cache-control', NOT_STORABLE);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.send(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A refusal before any parsing (429), shaped as Apollo Server would have answered it. */
function refused(error: GraphQLError): Answer {
  const { http, ...extensions } = error.extensions as {
    http?: { status?: number; headers?: Iterable<[string, string]> };
  } & Record<string, unknown>;
  const contentType = 'application/json; charset=utf-8';
  return {
    status: http?.status ?? 429,
    headers: [['content-type', contentType], ...(http?.headers ?? [])],
    contentType,
    body: `${JSON.stringify({ errors: [{ message: error.message, extensions }] })}\n`,
    storedAt: Date.now(),
    hadErrors: true,
  };
}

/** Only a complete answer without errors, sent with 200, may go to anyone but its caller. */
function shareable(execution: Execution): execution is { answer: Answer } {
  return 'answer' in execution && execution.answer.status === 200 && !execution.answer.hadErrors;
}

interface InFlight {
  /** performance.now() when the computation began. */
  startedAt: number;
  execution: Promise<Execution>;
}

/** A request's own computation, with what its subgraphs said it read. */
interface Computed {
  execution: Execution;
  /** Whether it was computed for this request (false: shared from another in flight). */
  leader: boolean;
  reports: ChangeReports;
}

/**
 * `POST|GET /graphql`: Apollo Server behind a whole-response cache. A cached answer is sent as
 * the bytes first sent, with no parsing, planning or serialising (docs/decisions/0010).
 * Identical cacheable requests in flight at once are computed once (decision 0020).
 */
export function graphqlHandler(options: HandlerOptions) {
  const { server, verifyToken, analyse, cache, admit } = options;
  const inFlight = new Map<string, InFlight>();

  async function execute(
    req: Request,
    viewer: Viewer | null,
    arrivedAt: number,
    changeReports: ChangeReports,
  ): Promise<Execution> {
    const outcome = { hadErrors: true };
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method.toUpperCase(),
        headers,
        search: new URL(req.url, 'http://gateway').search,
        body: req.body,
      },
      context: async () => {
        // An invalid token is refused here, with its 401, by the same verifier.
        const verified = viewer ?? (await verifyToken(req.headers.authorization));
        return {
          forwardedHeaders: forwardedHeaders(req),
          outcome,
          arrivedAt,
          changeReports,
          viewer: verified,
        };
      },
    });
    if (response.body.kind !== 'complete') return { streamed: response };
    return {
      answer: {
        status: response.status ?? 200,
        headers: [...response.headers],
        contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
        body: response.body.string,
        storedAt: Date.now(),
        hadErrors: outcome.hadErrors,
      },
    };
  }

  /** The caller's own admission: its refusal is its own, never another's. */
  async function refusalFor(req: Request): Promise<Answer | undefined> {
    const caller = req.headers[CALLER_HEADER];
    const refusal = admit && typeof caller === 'string' ? await admit(caller) : undefined;
    return refusal && refused(refusal);
  }

  /** What a batch may write: every subgraph its mutations may change. */
  function batchFacts(req: Request): OperationFacts {
    if (req.method !== 'POST' || !Array.isArray(req.body)) return { kind: 'other' };
    const written = new Set<string>();
    for (const item of req.body as unknown[]) {
      const single = graphQLBody(item);
      const facts = single && analyse(single.query, single.operationName);
      if (facts?.kind === 'mutation') for (const subgraph of facts.subgraphs) written.add(subgraph);
    }
    return written.size ? { kind: 'mutation', subgraphs: [...written].sort() } : { kind: 'other' };
  }

  /**
   * Computes an answer once for identical requests in flight at the same time. A request joins
   * a computation only if no write was recorded between the two lookups (the store's count of
   * writes, `writes`), or, when the store could not say, only a computation begun after it
   * arrived: either way the computation began after every write whose response the caller had
   * seen. A joiner whose leader's answer may not be shared computes its own.
   */
  async function executeShared(
    req: Request,
    viewer: Viewer | null,
    key: string,
    seen: Lookup,
    arrivedAt: number,
  ): Promise<Computed> {
    const sharedKey = `${key}|${seen.stamp ?? ''}|${seen.writes ?? ''}`;
    const pending = inFlight.get(sharedKey);
    const reports = newChangeReports();
    if (pending && (seen.writes !== null || pending.startedAt >= arrivedAt)) {
      const execution = await pending.execution;
      if (shareable(execution)) return { execution, leader: false, reports };
      // Its own answer, computed as if it had been first.
      return { execution: await execute(req, viewer, arrivedAt, reports), leader: true, reports };
    }
    const entry: InFlight = {
      startedAt: performance.now(),
      execution: execute(req, viewer, arrivedAt, reports),
    };
    inFlight.set(sharedKey, entry);
    try {
      return { execution: await entry.execution, leader: true, reports };
    } finally {
      if (inFlight.get(sharedKey) === entry) inFlight.delete(sharedKey);
    }
  }

  async function answerUncached(
    req: Request,
    res: Response,
    viewer: Viewer | null,
    facts: OperationFacts,
    arrivedAt: number,
  ) {
    const refusal = await refusalFor(req);
    if (refusal) {
      send(res, refusal, NOT_STORABLE, cache ? 'bypass' : 'off');
      return;
    }
    let execution: Execution;
    const reports = newChangeReports();
    // A personal read shares no subgraph fetch with another request: each answer's disclosure
    // is recorded by the owner under its own request id (decision 29). The fetcher shares only
    // fetches begun after a request arrived, and none begins after "never".
    const personal = facts.kind === 'query' && facts.audience === 'personal';
    try {
      execution = await execute(
        req,
        viewer,
        personal ? Number.POSITIVE_INFINITY : arrivedAt,
        reports,
      );
    } finally {
      // Whatever the outcome, before any response: every answer that read what a write may
      // have changed is computed again, on every gateway sharing the store.
      if (facts.kind === 'mutation') {
        await cache?.store.invalidate(changeOf(reports, facts.subgraphs));
      }
    }
    if ('streamed' in execution) return streamOut(res, execution.streamed);
    const { answer } = execution;
    const storable = facts.kind === 'query' && !answer.hadErrors;
    send(
      res,
      answer,
      storable ? CACHE_CONTROL[facts.audience] : NOT_STORABLE,
      cache ? 'bypass' : 'off',
    );
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    const arrivedAt = performance.now();
    try {
      const viewer: Viewer | null =
        'viewer' in res.locals
          ? (res.locals.viewer as Viewer | null)
          : await verifyToken(req.headers.authorization).catch(() => null);
      // What a request may write is decided from any body Apollo Server might execute; only a
      // request it would accept exactly as it is may be answered from the cache.
      const single = req.method === 'POST' ? graphQLBody(req.body) : null;
      const facts = single ? analyse(single.query, single.operationName) : batchFacts(req);
      const body = single && cacheableBody(req);
      const audience =
        facts.kind === 'query' && viewer ? audienceKey(facts.audience, viewer) : null;
      if (!cache || facts.kind !== 'query' || !body || !audience) {
        await answerUncached(req, res, viewer, facts, arrivedAt);
        return;
      }

      const key = cacheKey(req, body, audience);
      const cacheControl = CACHE_CONTROL[facts.audience];
      const seen = await cache.store.lookup(key, facts.subgraphs);
      const { answer: stored, stamp } = seen;
      if (stored) {
        const age = Math.max(0, Math.round((Date.now() - stored.storedAt) / 1000));
        res.setHeader('age', String(age));
        const headers: [string, string][] = [['content-type', stored.contentType]];
        send(res, { ...stored, status: 200, headers, hadErrors: false }, cacheControl, 'hit');
        return;
      }

      const refusal = await refusalFor(req);
      if (refusal) {
        send(res, refusal, NOT_STORABLE, 'miss');
        return;
      }
      const { execution, leader, reports } = await executeShared(req, viewer, key, seen, arrivedAt);
      if ('streamed' in execution) {
        // Streamed (incremental delivery) answers are neither cached nor shared.
        await streamOut(res, execution.streamed);
        return;
      }
      const { answer } = execution;
      const cacheable = answer.status === 200 && !answer.hadErrors;
      const caller = String(req.headers[CALLER_HEADER] ?? 'unknown');
      // Stored only when every subgraph said what the answer read.
      const reads = readDependencies(reports);
      if (leader && cacheable && stamp !== null && reads) {
        void cache
          .mayStore(caller, answer.body.length)
          .then((allowed) =>
            allowed ? cache.store.save(key, stamp, answer, cache.ttlSeconds, reads) : undefined,
          )
          .catch(() => undefined);
      }
      send(res, answer, cacheable ? cacheControl : NOT_STORABLE, leader ? 'miss' : 'shared');
    } catch (error) {
      next(error);
    }
  };
}
