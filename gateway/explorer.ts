import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as graphiql from '@graphql-yoga/render-graphiql/graphiql';
import { authConfig, ROLES, signDevToken, usesDevKeys, type Role } from '@coop/common';
import express, { type Request, type Response, type Router } from 'express';
import { explorerTabs } from './explorer-examples';

/** Hashed asset URLs never change content: a browser keeps them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Our own small icon instead of GraphiQL's 151 KB one (which was inlined in every page). */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5394"/><text x="16" y="23" font-family="sans-serif" font-size="18" font-weight="bold" text-anchor="middle" fill="#fff">G</text></svg>`;

interface Asset {
  file: string;
  type: string;
  body: string;
}

/** GraphiQL's script, styles and editor workers, from the installed package: no CDN. */
const ASSETS: readonly Asset[] = [
  { file: 'graphiql.js', type: 'application/javascript', body: graphiql.js },
  { file: 'graphiql.css', type: 'text/css', body: graphiql.css },
  { file: 'editor.worker.js', type: 'application/javascript', body: graphiql.editorWorkerService },
  { file: 'json.worker.js', type: 'application/javascript', body: graphiql.jsonWorker },
  { file: 'graphql.worker.js', type: 'application/javascript', body: graphiql.graphqlWorker },
  { file: 'favicon.svg', type: 'image/svg+xml', body: FAVICON_SVG },
];

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
type Encoding = 'br' | 'gzip';
const encoded = new Map<string, Promise<Buffer>>();

/**
 * An asset compressed once, off the event loop, on its first request: the middleware would
 * spend a second of CPU on GraphiQL's 5 MB script for every browser that asks.
 */
function compressedAsset(asset: Asset, encoding: Encoding): Promise<Buffer> {
  const key = `${asset.file}:${encoding}`;
  let pending = encoded.get(key);
  if (!pending) {
    pending =
      encoding === 'br'
        ? brotli(asset.body, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(asset.body),
            },
          })
        : gzip(asset.body, { level: 9 });
    encoded.set(key, pending);
  }
  return pending;
}

async function sendAsset(req: Request, res: Response, asset: Asset): Promise<void> {
  res.setHeader('cache-control', IMMUTABLE);
  res.setHeader('vary', 'Accept-Encoding');
  res.type(asset.type);
  const encoding = req.acceptsEncodings('br', 'gzip');
  if (encoding !== 'br' && encoding !== 'gzip') {
    res.send(asset.body);
    return;
  }
  const body = await compressedAsset(asset, encoding);
  // Already encoded: the compression middleware leaves a response with Content-Encoding alone.
  res.setHeader('content-encoding', encoding);
  res.send(body);
}

/** A folder named after the assets' content: a new package version gets new URLs. */
const VERSION = createHash('sha256')
  .update(ASSETS.map((asset) => asset.body).join('\0'))
  .digest('hex')
  .slice(0, 12);
export const ASSET_BASE = `/explorer/${VERSION}`;

/**
 * Development tokens from the page: only while the graph verifies tokens with the development
 * key pair `npm start` made, and never when NODE_ENV is production. No setting turns it on.
 */
export function devTokensAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NODE_ENV === 'production') return false;
  const config = authConfig();
  return usesDevKeys(config) && fs.existsSync(path.join(config.devKeyDir, 'private.pem'));
}

/** Inline JSON inside a <script>: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const DEV_TOKEN_BOX = `
<form id="dev-token" class="dev-token" aria-label="Development token">
  <strong>Development token</strong>
  <label>role <select name="role">${ROLES.filter((role) => role !== 'librarian')
    .map((role) => `<option>${role}</option>`)
    .join('')}</select></label>
  <label>province <input name="province" value="32" size="2" pattern="\\d{2}" title="two digits, e.g. 32" /></label>
  <button type="submit">Get token</button>
  <textarea name="headers" rows="3" readonly placeholder="Paste into the Headers tab"></textarea>
</form>
<style>
  .dev-token { position: fixed; right: 12px; bottom: 44px; z-index: 20; display: grid; gap: 4px;
    width: 320px; padding: 8px; font: 12px sans-serif; background: #fff; color: #222;
    border: 1px solid #bbb; border-radius: 6px; box-shadow: 0 2px 8px rgb(0 0 0 / 20%); }
  .dev-token textarea { font: 11px monospace; resize: none; }
</style>
<script>
  document.getElementById('dev-token').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const answer = await fetch('/explorer/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: form.role.value, provinceCode: form.province.value }),
    });
    const body = await answer.json();
    form.headers.value = answer.ok
      ? JSON.stringify({ authorization: 'Bearer ' + body.token })
      : body.error;
    if (answer.ok) {
      form.headers.select();
      navigator.clipboard?.writeText(form.headers.value).catch(() => {});
    }
  });
</script>`;

function page(devTokens: boolean): string {
  const options = {
    title: 'Perpusnas × BPSDM — GraphQL explorer',
    endpoint: '/graphql',
    defaultTabs: explorerTabs(),
    defaultHeaders: '{}',
    favicon: `${ASSET_BASE}/favicon.svg`,
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${options.title}</title>
    <link rel="icon" href="${options.favicon}" type="image/svg+xml" />
    <link rel="stylesheet" href="${ASSET_BASE}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>The explorer needs JavaScript. The schema is at /schema.graphql.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: (_moduleId, label) =>
          ({ json: '${ASSET_BASE}/json.worker.js', graphql: '${ASSET_BASE}/graphql.worker.js' })[label] ??
          '${ASSET_BASE}/editor.worker.js',
      };
    </script>
    <script src="${ASSET_BASE}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>${devTokens ? DEV_TOKEN_BOX : ''}
  </body>
</html>
`;
}

/** A development token for the role and province asked for, valid for an hour. */
/** The socket's own peer address: a forwarding header could be written by anyone. */
export function fromThisMachine(remoteAddress: string | undefined): boolean {
  const address = remoteAddress?.replace(/^::ffff:/, '') ?? '';
  return address === '::1' || /^127(\.\d{1,3}){3}$/.test(address);
}

async function devToken(req: Request, res: Response): Promise<void> {
  // `npm start` listens on every interface: a development key still must not mint an admin
  // token for anyone who can reach the developer's machine.
  if (!fromThisMachine(req.socket.remoteAddress)) {
    res.status(403).json({
      code: 'FORBIDDEN',
      error:
        'development tokens are handed only to a browser on the machine running the graph; ' +
        'elsewhere, run `npm run --silent token -- --role <role>` there',
    });
    return;
  }
  const { role, provinceCode } = (req.body ?? {}) as { role?: unknown; provinceCode?: unknown };
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) {
    res.status(400).json({ error: `role must be one of ${ROLES.join(', ')}` });
    return;
  }
  if (role === 'librarian') {
    // A librarian's token names a person: minted only by the command, for one chosen librarian.
    res.status(400).json({
      error:
        'a librarian token names a librarian: run `npm run --silent token -- --role librarian --librarian <id>`',
    });
    return;
  }
  const province = typeof provinceCode === 'string' ? provinceCode : undefined;
  if (role === 'regional-operator' && !/^\d{2}$/.test(province ?? '')) {
    res.status(400).json({ error: 'a regional-operator needs a two-digit provinceCode, e.g. 32' });
    return;
  }
  const token = await signDevToken({
    role: role as Role,
    provinceCode: role === 'regional-operator' ? province : undefined,
    expiresIn: '1h',
  });
  res.setHeader('cache-control', 'no-store');
  res.json({ token, expiresIn: '1h' });
}

/**
 * The explorer (GraphiQL) at `/`: a small page, and GraphiQL's files from the installed package
 * under a content-hashed path, cacheable for a year. In development (devTokensAllowed) the page
 * also offers a token for a role and province, from `POST /explorer/dev-token`.
 */
export function explorerRouter(devTokens = devTokensAllowed()): Router {
  const router = express.Router();
  const html = page(devTokens);
  router.get('/', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(html);
  });
  for (const asset of ASSETS) {
    router.get(`${ASSET_BASE}/${asset.file}`, (req, res, next) => {
      sendAsset(req, res, asset).catch(next);
    });
  }
  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=86400');
    res.type('image/svg+xml').send(FAVICON_SVG);
  });
  if (devTokens) {
    router.post('/explorer/dev-token', express.json({ limit: 1000 }), (req, res, next) => {
      devToken(req, res).catch(next);
    });
  }
  return router;
}
