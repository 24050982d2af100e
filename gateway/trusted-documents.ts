import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApolloServerOptions } from '@apollo/server';
import { log, ROLES, type Viewer } from '@coop/common';
import type { NextFunction, Request, Response } from 'express';
import {
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { LRUCache } from 'lru-cache';

/** One operation of a persisted-query manifest (Apollo's format). */
export interface TrustedDocument {
  id: string;
  name: string;
  type: 'query' | 'mutation';
  body: string;
}

/**
 * The manifest the gateway trusts: by id, and by body as graphql-js prints it, so that a
 * client sending the text (with its comments and layout) is recognised too.
 */
export interface Manifest {
  byId: ReadonlyMap<string, TrustedDocument>;
  byPrintedBody: ReadonlyMap<string, TrustedDocument>;
}

export const DEFAULT_MANIFEST_PATH = path.join(
  __dirname,
  '..',
  'contract',
  'persisted-query-manifest.json',
);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function manifestFrom(json: unknown, source = 'the manifest'): Manifest {
  const manifest = json as { format?: unknown; version?: unknown; operations?: unknown };
  if (
    manifest?.format !== 'apollo-persisted-query-manifest' ||
    manifest.version !== 1 ||
    !Array.isArray(manifest.operations)
  ) {
    throw new Error(`${source} is no apollo-persisted-query-manifest of version 1`);
  }
  const byId = new Map<string, TrustedDocument>();
  const byPrintedBody = new Map<string, TrustedDocument>();
  for (const item of manifest.operations as Partial<TrustedDocument>[]) {
    const { id, name, type, body } = item;
    if (typeof id !== 'string' || typeof body !== 'string' || typeof name !== 'string') {
      throw new Error(`${source}: every operation needs a string id, name and body`);
    }
    if (type !== 'query' && type !== 'mutation') {
      throw new Error(`${source}: operation ${id} is neither a query nor a mutation`);
    }
    const document = { id, name, type, body };
    byId.set(id, document);
    byPrintedBody.set(print(parse(body)), document);
  }
  return { byId, byPrintedBody };
}

export function readManifest(file = DEFAULT_MANIFEST_PATH): Manifest {
  return manifestFrom(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}

/** Who must send trusted documents only: `anonymous` (no token, or no role) and roles. */
export type Caller = 'anonymous' | (typeof ROLES)[number];
const CALLERS: readonly Caller[] = ['anonymous', ...ROLES];

export interface TrustedDocumentSettings {
  manifestPath: string;
  trustedOnly: ReadonlySet<Caller>;
}

/** `TRUSTED_DOCUMENTS_ONLY`: a comma-separated list of callers, or `all`; unknown names throw. */
export function parseTrustedOnly(value: string | undefined): Set<Caller> {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.includes('all')) return new Set(CALLERS);
  for (const name of names) {
    if (!CALLERS.includes(name as Caller)) {
      throw new Error(
        `TRUSTED_DOCUMENTS_ONLY: unknown caller "${name}" (known: all, ${CALLERS.join(', ')})`,
      );
    }
  }
  return new Set(names as Caller[]);
}

export function trustedDocumentsFromEnv(): TrustedDocumentSettings {
  return {
    manifestPath: process.env.PERSISTED_QUERY_MANIFEST || DEFAULT_MANIFEST_PATH,
    trustedOnly: parseTrustedOnly(process.env.TRUSTED_DOCUMENTS_ONLY),
  };
}

type DocumentStore = NonNullable<ApolloServerOptions<never>['documentStore']>;

/**
 * Apollo Server's document store (parsed and validated documents by the SHA-256 of their text)
 * with the manifest's documents pinned: parsed and validated once when the schema loads
 * (`warm`), never evicted, so a trusted document is neither parsed nor validated on a request.
 * Other texts share a bounded LRU, as Apollo Server's own store does.
 */
export function trustedDocumentStore(
  manifest: Manifest,
  rules: readonly ValidationRule[],
  maxOthers = 1000,
) {
  const pinned = new Map<string, DocumentNode>();
  const others = new LRUCache<string, DocumentNode>({ max: maxOthers });
  // Apollo Server's key is a prefix of its own (the schema's hash, then ':') and the query hash.
  const hashOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
  const store: DocumentStore = {
    async get(key) {
      return pinned.get(hashOf(key)) ?? others.get(key);
    },
    async set(key, document) {
      if (!pinned.has(hashOf(key))) others.set(key, document);
    },
    async delete(key) {
      return others.delete(key);
    },
  };
  return {
    store,
    /** Parses and validates every trusted document against the schema Apollo Server serves. */
    warm(schema: GraphQLSchema): string[] {
      pinned.clear();
      others.clear();
      const refused: string[] = [];
      for (const trusted of manifest.byId.values()) {
        const document = parse(trusted.body);
        if (validate(schema, document, [...specifiedRules, ...rules]).length > 0) {
          // Apollo Server validates it on each request and answers its errors.
          refused.push(trusted.name);
          continue;
        }
        pinned.set(sha256(trusted.body), document);
      }
      return refused;
    },
    pinnedCount: () => pinned.size,
  };
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** GraphQL-over-HTTP parameters, from a POST's body or a GET's search. */
interface Params {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
  [key: string]: unknown;
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `sha256:<hex>` (the GraphQL-over-HTTP persisted documents proposal) or the bare hex. */
const bareId = (id: string) => (id.startsWith('sha256:') ? id.slice('sha256:'.length) : id);

interface Resolved {
  params: Params;
  /** The manifest's document the request runs, if any. */
  trusted?: TrustedDocument;
  refusal?: Refusal;
}

const notFound = (id: string): Refusal => ({
  status: 400,
  code: 'PERSISTED_QUERY_NOT_FOUND',
  message: `No trusted document has the id ${JSON.stringify(id)}: send one of the ids in the graph's persisted-query manifest, or the operation's text.`,
});

/**
 * Turns a request for a persisted document (`extensions.persistedQuery.sha256Hash`, Apollo's
 * APQ shape, or `documentId`) into the document's text, which is what the response cache,
 * the operation's analysis and Apollo Server then read (the extension is taken out: Apollo
 * Server's own APQ store stays off). A text sent with its hash must match it.
 */
export function resolvePersisted(params: Params, manifest: Manifest): Resolved {
  const { extensions, documentId } = params;
  const persisted = isMap(extensions) ? extensions.persistedQuery : undefined;
  if (persisted === undefined && documentId === undefined) return { params };
  let id: string;
  if (documentId !== undefined) {
    if (typeof documentId !== 'string') {
      return { params, refusal: badRequest('`documentId` must be a string') };
    }
    id = bareId(documentId);
  } else {
    if (!isMap(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') {
      return {
        params,
        refusal: badRequest(
          '`extensions.persistedQuery` must be { "version": 1, "sha256Hash": "<hex>" }',
        ),
      };
    }
    id = persisted.sha256Hash;
  }
  const rest: Params = { ...params };
  delete rest.documentId;
  if (isMap(extensions)) {
    const { persistedQuery: _persistedQuery, ...others } = extensions;
    if (Object.keys(others).length > 0) rest.extensions = others;
    else delete rest.extensions;
  }
  if (typeof params.query === 'string' && params.query !== '') {
    if (sha256(params.query) !== id) {
      return { params, refusal: badRequest('The SHA-256 of `query` is not the id sent with it') };
    }
    return { params: rest };
  }
  const trusted = manifest.byId.get(id);
  if (!trusted) return { params, refusal: notFound(id) };
  return { params: { ...rest, query: trusted.body }, trusted };
}

function badRequest(message: string): Refusal {
  return { status: 400, code: 'BAD_REQUEST', message };
}

export function callerOf(viewer: Viewer | null | undefined): Caller {
  return viewer?.role ?? 'anonymous';
}

const notTrusted = (caller: Caller): Refusal => ({
  status: 403,
  code: 'TRUSTED_DOCUMENTS_ONLY',
  message: `This gateway runs trusted documents only for ${caller === 'anonymous' ? 'callers without a token' : `the role ${caller}`} (TRUSTED_DOCUMENTS_ONLY): send an operation of its persisted-query manifest, by id (extensions.persistedQuery.sha256Hash) or as its text.`,
});

/**
 * Recognises a text as a trusted document, whatever its comments and layout: what graphql-js
 * prints of it is the manifest's body. Each distinct text is parsed once (a bounded LRU).
 */
export function trustedText(manifest: Manifest, maxEntries = 1000) {
  const known = new LRUCache<string, TrustedDocument | false>({ max: maxEntries });
  return (text: string): TrustedDocument | undefined => {
    let found = known.get(text);
    if (found === undefined) {
      try {
        found = manifest.byPrintedBody.get(print(parse(text))) ?? false;
      } catch {
        found = false;
      }
      known.set(text, found);
    }
    return found || undefined;
  };
}

function refuse(res: Response, refusal: Refusal): void {
  res.status(refusal.status).json({
    errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
  });
}

/** A GET's parameters: `extensions` arrives as JSON text in the search. */
function getParams(req: Request): Params | Refusal {
  const search = new URL(req.url, 'http://gateway').searchParams;
  const params: Params = Object.fromEntries(search);
  if (typeof params.extensions === 'string') {
    try {
      params.extensions = JSON.parse(params.extensions);
    } catch {
      return badRequest('`extensions` is not JSON');
    }
  }
  return params;
}

function setGetParams(req: Request, params: Params): void {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    search.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const url = new URL(req.url, 'http://gateway');
  req.url = `${url.pathname}?${search}`;
}

/**
 * `/graphql`'s trusted documents (docs/decisions/0024): runs a persisted document sent by id,
 * refuses an id the manifest does not hold (400 PERSISTED_QUERY_NOT_FOUND), and, for the
 * callers chosen in TRUSTED_DOCUMENTS_ONLY, any operation the manifest does not hold (403
 * TRUSTED_DOCUMENTS_ONLY). After the caller is known (`res.locals.viewer`), before the response
 * cache.
 */
export function trustedDocuments(manifest: Manifest, trustedOnly: ReadonlySet<Caller>) {
  const recognise = trustedText(manifest);
  /** The request's parameters as they will run, or the refusal to answer instead. */
  const check = (params: Params, caller: Caller): Params | Refusal => {
    const resolved = resolvePersisted(params, manifest);
    if (resolved.refusal) return resolved.refusal;
    if (!trustedOnly.has(caller) || resolved.trusted) return resolved.params;
    const text = resolved.params.query;
    return typeof text === 'string' && recognise(text) ? resolved.params : notTrusted(caller);
  };
  const isRefusal = (value: Params | Refusal): value is Refusal =>
    typeof (value as Refusal).code === 'string' && typeof (value as Refusal).status === 'number';

  return (req: Request, res: Response, next: NextFunction) => {
    const viewer = res.locals.viewer as Viewer | null | undefined;
    // A token that fails verification is answered 401 by the handler, not refused here.
    const caller = !viewer && req.headers.authorization ? undefined : callerOf(viewer);
    if (caller === undefined) {
      next();
      return;
    }
    if (req.method === 'GET') {
      const params = getParams(req);
      if (isRefusal(params)) return refuse(res, params);
      const checked = check(params, caller);
      if (isRefusal(checked)) return refuse(res, checked);
      if (checked !== params) setGetParams(req, checked);
      next();
      return;
    }
    const items: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    const checked: unknown[] = [];
    for (const item of items) {
      if (!isMap(item)) {
        // Not a GraphQL request: Apollo Server answers it, unless the caller may only send trusted ones.
        if (trustedOnly.has(caller)) return refuse(res, notTrusted(caller));
        checked.push(item);
        continue;
      }
      const result = check(item, caller);
      if (isRefusal(result)) return refuse(res, result);
      checked.push(result);
    }
    req.body = Array.isArray(req.body) ? checked : checked[0];
    next();
  };
}

/**
 * What the gateway's server wires in: Apollo Server's `documentStore`, the schema's warm-up
 * (`onSchemaLoadOrUpdate`) and the `/graphql` middleware. `rules` are the validation rules
 * Apollo Server is given, so that a pinned document passed the same validation.
 */
export function trustedDocumentsFor(
  rules: readonly ValidationRule[],
  settings: TrustedDocumentSettings = trustedDocumentsFromEnv(),
) {
  const manifest = readManifest(settings.manifestPath);
  const documents = trustedDocumentStore(manifest, rules);
  return {
    documentStore: documents.store,
    warm(schema: GraphQLSchema) {
      const refused = documents.warm(schema);
      if (refused.length > 0) {
        log.warn(
          `trusted documents that do not validate against the schema: ${refused.join(', ')}`,
          {
            service: 'gateway',
          },
        );
      }
    },
    middleware: trustedDocuments(manifest, settings.trustedOnly),
  };
}
