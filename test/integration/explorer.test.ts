import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import http from 'node:http';
import os from 'node:os';
import { explorerExamples } from '../../gateway/explorer-examples';
import { candidateCallers, type Caller } from '../../gateway/explorer-access';
import { apiSchemaOf, publicSchemaSdl } from '../../gateway/public-schema';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { fromThisMachine } from '../../gateway/explorer';
import fs from 'node:fs';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { freePort } from '../../scripts/lib/processes';
import { graphql, subgraphGraphqlUrls, testStack, tokenFor } from '../support/stack';

const origin = new URL(testStack().gatewayUrl).origin;

/** The explorer page and everything it loads, in bytes as sent with brotli. */
const PAGE_WEIGHT_BUDGET_BYTES = 2_500_000;

/** A GET with the raw bytes as sent (fetch would decompress them). */
function getRaw(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
      .on('error', reject);
  });
}

function postRaw(url: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      const request = http.request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify(body));
    },
  );
}

const EXAMPLES = explorerExamples();

const tokenOf = async (caller: Caller) =>
  caller.role ? tokenFor(caller.role, caller.provinceCode ?? undefined) : undefined;

/** The fields an answer's errors refused, by name, e.g. `lessonHoursCompleted`. */
const refusedNames = (errors: { path?: (string | number)[] }[] | undefined) =>
  [
    ...new Set(
      (errors ?? []).map((error) =>
        String(error.path?.filter((p) => typeof p === 'string').at(-1)),
      ),
    ),
  ].sort();

describe('the explorer page', () => {
  it('offers every example with the token its hint names, and each answers with that token', async () => {
    const page = await (await fetch(`${origin}/`)).text();
    for (const example of EXAMPLES) {
      expect(page).toMatch(new RegExp(`(query|mutation) ${example.name}\\b`));
      const result = await graphql(example.query, example.variables ?? {}, {
        token: await tokenOf(example.caller),
      });
      expect({ example: example.name, errors: result.errors }).toEqual({
        example: example.name,
        errors: undefined,
      });
    }
    // The first tab works anonymously, and `viewer` has one.
    expect(EXAMPLES[0]?.caller.role).toBeNull();
    expect(EXAMPLES.map((example) => example.name)).toContain('Viewer');
  });

  it('names no stronger token than needed: the caller just below is refused, as the hint says', async () => {
    for (const example of EXAMPLES.filter((e) => e.caller.role)) {
      const callers = candidateCallers(example.province ?? null);
      const below = callers[callers.findIndex((c) => c.role === example.caller.role) - 1]!;
      const result = await graphql(example.query, example.variables ?? {}, {
        token: await tokenOf(below),
        fresh: true,
      });
      expect({ example: example.name, refused: (result.errors ?? []).length > 0 }).toEqual({
        example: example.name,
        refused: true,
      });
      if (example.partly && example.partly.caller.role === below.role) {
        // "With <token>, it answers all but <fields>": exactly those fields are refused.
        const said = example.partly.refused.map((field) => field.split('.')[1]!).sort();
        expect({ example: example.name, refused: refusedNames(result.errors) }).toEqual({
          example: example.name,
          refused: said,
        });
        expect(result.errors?.map((error) => error.extensions?.code)).not.toContain(
          'INTERNAL_SERVER_ERROR',
        );
      }
    }
  });

  it('weighs at most the budget with brotli, and its files are cacheable', async () => {
    const page = await getRaw(`${origin}/`, { 'accept-encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    const html = brotliDecompressSync(page.body).toString();
    // Nothing large inlined (GraphiQL's own page inlined 9 MB, a 151 KB icon among it).
    expect(html.length).toBeLessThan(20_000);
    const assets = [...new Set(html.match(/\/explorer\/[0-9a-f]+\/[\w.-]+/g) ?? [])];
    expect(assets.length).toBeGreaterThanOrEqual(6);
    let total = page.body.length;
    for (const asset of assets) {
      const response = await getRaw(`${origin}${asset}`, { 'accept-encoding': 'br, gzip' });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toMatch(/max-age=31536000.*immutable/);
      if (!asset.endsWith('.svg')) expect(response.headers['content-encoding']).toBe('br');
      total += response.body.length;
    }
    expect(total).toBeLessThanOrEqual(PAGE_WEIGHT_BUDGET_BYTES);
  });
});

describe('compression of answers', () => {
  it('compresses GraphQL answers, cache hits included, with gzip or brotli', async () => {
    const body = { query: '{ regionalOffices { provinceCode name city provinceName } }' };
    const first = await postRaw(testStack().gatewayUrl, body, { 'accept-encoding': 'gzip' });
    const second = await postRaw(testStack().gatewayUrl, body, { 'accept-encoding': 'br' });
    expect(second.headers['x-cache']).toBe('hit');
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(second.headers['content-encoding']).toBe('br');
    const plain = JSON.parse(gunzipSync(first.body).toString());
    expect(JSON.parse(brotliDecompressSync(second.body).toString())).toEqual(plain);
    expect(plain.data.regionalOffices).toHaveLength(38);
  });
});

describe('GET /schema.graphql', () => {
  it('serves the public API schema: descriptions, no federation internals', async () => {
    const response = await fetch(`${origin}/schema.graphql`);
    expect(response.status).toBe(200);
    const sdl = await response.text();
    const expected = publicSchemaSdl(await apiSchemaOf(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')));
    expect(sdl).toBe(expected);
    expect(sdl).toMatch(/type Agreement \{/);
    expect(sdl).toMatch(/"""[^"]+"""\s+type Agreement/);
    expect(sdl).not.toMatch(/join__|link__|@link|_entities|_Service|@personal|@viewerDependent/);
  });
});

describe('development tokens from the explorer', () => {
  it('hands out a token for a role and province that the graph accepts', async () => {
    const response = await fetch(`${origin}/explorer/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'regional-operator', provinceCode: '32' }),
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const result = await graphql<{ librarians: { totalCount: number } }>(
      '{ librarians(filter: { provinceCode: "32" }, first: 1) { totalCount } }',
      {},
      { token },
    );
    expect(result.errors).toBeUndefined();
    const refused = await fetch(`${origin}/explorer/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'regional-operator' }),
    });
    expect(refused.status).toBe(400);
  });

  it('hands none to a caller on another machine', async () => {
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((net) => net && !net.internal && net.family === 'IPv4')?.address;
    // Every machine this suite runs on has a non-loopback interface; a silent skip would hide it.
    expect(outside).toBeDefined();
    const response = await fetch(`http://${outside}:${new URL(origin).port}/explorer/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' },
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])(
    'counts %s as this machine',
    (a) => expect(fromThisMachine(a)).toBe(true),
  );

  it.each([
    '192.0.2.2',
    '::ffff:10.0.0.1',
    'fd00::2',
    '1127.0.0.1',
    '127.0.0.1.example',
    '',
    undefined,
  ])('counts %s as another machine', (address) => expect(fromThisMachine(address)).toBe(false));

  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['a real public key', { AUTH_PUBLIC_KEY: 'configured' }],
    ['a JWKS', { AUTH_JWKS_URL: 'https://sso.example.go.id/certs' }],
  ])('is impossible with %s: no endpoint, no box on the page', async (_name, env) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
    try {
      gateway = await startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv());
      const base = `http://localhost:${gateway.port}`;
      const response = await fetch(`${base}/explorer/dev-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'admin' }),
      });
      expect(response.status).toBe(404);
      const page = await (await fetch(`${base}/`)).text();
      expect(page).not.toContain('dev-token');
    } finally {
      process.env = saved;
      await gateway?.stop();
    }
  });

  it('serves no schema file when introspection is off', async () => {
    const gateway = await startGateway(await freePort(), subgraphGraphqlUrls(), {
      ...limitsFromEnv(),
      introspection: false,
    });
    try {
      const response = await fetch(`http://localhost:${gateway.port}/schema.graphql`);
      expect(response.status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });
});
