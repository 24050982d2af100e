import fc from 'fast-check';
import { GATEWAY_CREDENTIAL_HEADER } from '@coop/common';
import { adminToken, statementCounts, testStack } from '../support/stack';

/**
 * Only the gateway reaches the subgraphs: whatever anybody else sends straight to a subgraph is
 * refused before it is parsed (no SQL, no work), however valid its token or its query.
 */
const SUBGRAPHS = ['library', 'bpsdm-central', 'bpsdm-regional'] as const;

async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('subgraphs answer the gateway only', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await adminToken();
  });

  const bodies = fc.oneof(
    fc.constant(JSON.stringify({ query: '{ __typename }' })),
    fc.constant(JSON.stringify({ query: '{ _service { sdl } }' })),
    fc
      .integer({ min: 1, max: 400 })
      .map((n) => JSON.stringify({ query: `{ ${'a: __typename '.repeat(n)} }` })),
    fc.json(),
    fc.string(),
  );

  it('refuses, with 401 and nothing done, any request without the gateway credential (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SUBGRAPHS),
        bodies,
        fc.boolean(),
        async (name, body, withToken) => {
          const url = `${testStack().subgraphUrls[name]}/graphql`;
          const before = await statementCounts();
          const reply = await post(
            url,
            body,
            withToken ? { authorization: `Bearer ${admin}` } : {},
          );
          expect(reply.status).toBe(401);
          expect(JSON.parse(reply.text)).toMatchObject({
            errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
          });
          expect(reply.text).toMatch(/gateway/);
          expect((await statementCounts())[name]).toBe(before[name]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a wrong credential with 403, and takes the right one', async () => {
    for (const name of SUBGRAPHS) {
      const url = `${testStack().subgraphUrls[name]}/graphql`;
      const body = JSON.stringify({ query: '{ __typename }' });
      const wrong = await post(url, body, { [GATEWAY_CREDENTIAL_HEADER]: 'guess' });
      expect(wrong.status).toBe(403);
      expect(JSON.parse(wrong.text).errors[0].extensions.code).toBe('FORBIDDEN');
      const right = await post(url, body, {
        [GATEWAY_CREDENTIAL_HEADER]: testStack().subgraphSecret,
      });
      expect({ status: right.status, body: JSON.parse(right.text) }).toEqual({
        status: 200,
        body: { data: { __typename: 'Query' } },
      });
    }
  });

  it('keeps /health open for orchestrators', async () => {
    for (const name of SUBGRAPHS) {
      const response = await fetch(`${testStack().subgraphUrls[name]}/health`);
      expect(response.status).toBe(200);
    }
  });
});
