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

  it('still applies limits of its own to what comes with the credential', async () => {
    const url = `${testStack().subgraphUrls.library}/graphql`;
    const asGateway = {
      [GATEWAY_CREDENTIAL_HEADER]: testStack().subgraphSecret,
      authorization: `Bearer ${admin}`,
    };
    const deep = `{ agreements(first: 1) { edges { node { ${'parent { '.repeat(20)}id${' }'.repeat(20)} } } } }`;
    const aliased = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: facilities { id }`).join(' ')} }`;
    const representations = Array.from({ length: 20_001 }, () => ({
      __typename: 'Facility',
      id: 'x',
    }));
    const many = JSON.stringify({
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
      variables: { r: representations },
    });
    const costly = `{ agreements(first: 100) { edges { node {
      children { children { children { parties { organization } } } } } } } }`;
    for (const body of [
      JSON.stringify({ query: deep }),
      JSON.stringify({ query: aliased }),
      JSON.stringify({ query: costly }),
      many,
    ]) {
      const before = await statementCounts();
      const reply = await post(url, body, asGateway);
      expect([body.slice(0, 40), reply.status]).toEqual([body.slice(0, 40), 400]);
      expect(JSON.parse(reply.text).errors[0].extensions.code).toMatch(
        /GRAPHQL_VALIDATION_FAILED|QUERY_TOO_COMPLEX|BAD_REQUEST|PAYLOAD_TOO_LARGE/,
      );
      expect((await statementCounts()).library).toBe(before.library);
    }
  });

  it('keeps /health open for orchestrators', async () => {
    for (const name of SUBGRAPHS) {
      const response = await fetch(`${testStack().subgraphUrls[name]}/health`);
      expect(response.status).toBe(200);
    }
  });
});
