import { createHash, randomUUID } from 'node:crypto';
import { PKS_ID, type RunningService } from '@coop/common';
import fc from 'fast-check';
import { contractOperation, contractOperations } from '../../contract';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { useEnv } from '../support/instances';
import { adminToken, subgraphGraphqlUrls, testStack, type GraphQLResponse } from '../support/stack';

/**
 * Trusted documents (docs/decisions/0024): the contract's operations by id from the manifest,
 * through the shared graph's gateway, and through one started here with
 * TRUSTED_DOCUMENTS_ONLY=anonymous.
 */

interface Reply<T = Record<string, unknown>> {
  status: number;
  cache: string | null;
  body: GraphQLResponse<T>;
}

async function post<T = Record<string, unknown>>(
  url: string,
  payload: unknown,
  token?: string,
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(payload),
  });
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    body: (await response.json()) as GraphQLResponse<T>,
  };
}

const byId = (name: string, variables: Record<string, unknown> = {}) => ({
  operationName: name,
  variables,
  extensions: { persistedQuery: { version: 1, sha256Hash: contractOperation(name).id } },
});
const byText = (name: string, variables: Record<string, unknown> = {}) => ({
  query: contractOperation(name).text,
  variables,
});
const codeOf = (reply: Reply) => reply.body.errors?.[0]?.extensions?.code;

let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});

describe('persisted documents through the gateway', () => {
  const url = () => testStack().gatewayUrl;

  it('a persisted id returns the same data as the full text, by POST or GET', async () => {
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      ['MyRuns', {}, undefined],
      ['MyRuns', { provinceCode: '31' }, undefined],
      ['Agreement', { id: PKS_ID }, undefined],
      ['Dashboard', {}, admin],
      ['ItDashboard', {}, admin],
      ['Verify', { n: 'LSP-PUS/2024/000001' }, undefined],
    ];
    for (const [name, variables, token] of cases) {
      const text = await post(url(), byText(name, variables), token);
      expect(text.body.errors).toBeUndefined();
      const persisted = await post(url(), byId(name, variables), token);
      expect(persisted.status).toBe(200);
      expect(persisted.body).toEqual(text.body);
      const documentId = await post(
        url(),
        { documentId: `sha256:${contractOperation(name).id}`, variables },
        token,
      );
      expect(documentId.body).toEqual(text.body);
    }
    const search = new URLSearchParams({
      operationName: 'Agreement',
      variables: JSON.stringify({ id: PKS_ID }),
      extensions: JSON.stringify(byId('Agreement').extensions),
    });
    const get = await fetch(`${url()}?${search}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual((await post(url(), byText('Agreement', { id: PKS_ID }))).body);
  });

  it('an unknown id is a 400 with PERSISTED_QUERY_NOT_FOUND, and runs nothing', async () => {
    const unknown = await post(url(), {
      extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } },
    });
    expect(unknown.status).toBe(400);
    expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(unknown.body.data).toBeUndefined();
    const wrongVersion = await post(url(), {
      extensions: { persistedQuery: { version: 2, sha256Hash: contractOperation('Verify').id } },
    });
    expect(wrongVersion.status).toBe(400);
    expect(codeOf(wrongVersion)).toBe('BAD_REQUEST');
  });

  it('an APQ client, told PERSISTED_QUERY_NOT_FOUND, sends the text with its hash and is answered', async () => {
    const query = `{ agreement(id: "${PKS_ID}") { title } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const first = await post(url(), { extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(codeOf(first)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const retry = await post(url(), {
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash } },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.data).toEqual({ agreement: { title: expect.any(String) } });
  });

  it('the response cache answers persisted requests, and shares their entry with the same text', async () => {
    // An agreement nobody asked for yet: the first answer is computed.
    const variables = { id: randomUUID() };
    const first = await post(url(), byId('Agreement', variables));
    expect(first.cache).toBe('miss');
    expect(first.body).toEqual({ data: { agreement: null } });
    const second = await post(url(), byId('Agreement', variables));
    expect(second.cache).toBe('hit');
    expect(second.body).toEqual(first.body);
    const asBody = await post(url(), {
      query: contractOperation('Agreement').body,
      operationName: 'Agreement',
      variables,
    });
    expect(asBody.cache).toBe('hit');
  });
});

describe('TRUSTED_DOCUMENTS_ONLY=anonymous', () => {
  let gateway: RunningService;
  beforeAll(async () => {
    const restore = useEnv({ TRUSTED_DOCUMENTS_ONLY: 'anonymous' });
    try {
      gateway = await startGateway(await freePort(), subgraphGraphqlUrls());
    } finally {
      restore();
    }
  });
  afterAll(() => gateway.stop());

  const free = `{ agreements(first: 1) { totalCount } }`;
  const ANONYMOUS_VARIABLES: Record<string, Record<string, unknown>> = {
    Agreement: { id: PKS_ID },
    Verify: { n: 'LSP-PUS/2024/000001' },
  };

  it('refuses a free-text operation from an anonymous caller with 403 TRUSTED_DOCUMENTS_ONLY', async () => {
    const refused = await post(gateway.url, { query: free });
    expect(refused.status).toBe(403);
    expect(codeOf(refused)).toBe('TRUSTED_DOCUMENTS_ONLY');
    expect(refused.body.errors?.[0]?.message).toMatch(/TRUSTED_DOCUMENTS_ONLY/);
    const write = await post(gateway.url, {
      query: 'mutation { terminateAgreement(id: "x", version: 1, reason: "r") { id } }',
    });
    expect(write.status).toBe(403);
    const get = await fetch(`${gateway.url}?query=${encodeURIComponent(free)}`, {
      headers: { 'apollo-require-preflight': '1' },
    });
    expect(get.status).toBe(403);
  });

  it('answers the same text from a caller with a token', async () => {
    const answered = await post(gateway.url, { query: free }, admin);
    expect(answered.status).toBe(200);
    expect(answered.body.errors).toBeUndefined();
  });

  it("runs the manifest's operations for an anonymous caller, by id or as their text", async () => {
    for (const operation of contractOperations().filter(({ token }) => /anyone/.test(token))) {
      const variables = ANONYMOUS_VARIABLES[operation.name] ?? {};
      const persisted = await post(gateway.url, byId(operation.name, variables));
      expect(persisted.status).toBe(200);
      expect(persisted.body.errors).toBeUndefined();
      const text = await post(gateway.url, byText(operation.name, variables));
      expect(text.body).toEqual(persisted.body);
    }
  });

  it('refuses every anonymous operation the manifest does not hold (generated)', async () => {
    const fields = ['title', 'kind', 'scopes', 'status', 'signedOn', 'validFrom', '__typename'];
    await fc.assert(
      fc.asyncProperty(fc.subarray(fields, { minLength: 1 }), async (picked) => {
        const query = `query Agreement($id: ID!) { agreement(id: $id) { ${picked.join(' ')} } }`;
        const refused = await post(gateway.url, { query, variables: { id: PKS_ID } });
        expect(refused.status).toBe(403);
        expect(codeOf(refused)).toBe('TRUSTED_DOCUMENTS_ONLY');
      }),
      { numRuns: 15 },
    );
  });
});
