import { PKS_ID } from '@coop/common';
import { getIntrospectionQuery } from 'graphql';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { contractText } from '../support/contract';
import { adminToken, graphql, send, testStack, subgraphGraphqlUrls } from '../support/stack';

/** Hostile or careless requests meet clear errors; the contract's operations pass. */
describe('limits at the gateway', () => {
  it('lets the contract operations through', async () => {
    const result = await graphql(contractText('Agreement'), { id: PKS_ID });
    expect(result.errors).toBeUndefined();
  });

  it('refuses a query nested too deep', async () => {
    const nested = 'parent { '.repeat(14) + 'title' + ' }'.repeat(14);
    const { status, body } = await send(`{ agreement(id: "${PKS_ID}") { ${nested} } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/depth limit of 12 exceeded/);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses an alias bomb', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: title`).join(' ');
    const { status, body } = await send(`{ agreement(id: "${PKS_ID}") { ${aliases} } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/Aliases limit of 30 exceeded/);
  });

  it('refuses an operation whose lists multiply beyond the cost limit', async () => {
    // With a token that may read every field: an anonymous caller's refused fields are taken out
    // at the edge before the cost is counted (gateway/access.ts), as Apollo Router does.
    const { status, body } = await send(
      `{ regionalOffices { runs(first: 100) { edges { node {
      enrolments(first: 100) { edges { node { participant { certifications { scheme { units { title } } } } } } } } } } } }`,
      {},
      { token: await adminToken() },
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 100000,
    });
    expect(body.errors?.[0]?.message).toMatch(/may cost \d+ .* the limit is 100000/);
  });

  it('refuses too many root fields', async () => {
    const fields = Array.from({ length: 21 }, (_, i) => `f${i}: facilities { name }`).join(' ');
    const { body } = await send(`{ ${fields} }`);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      rootFields: 21,
    });
  });

  it('answers an oversized or malformed body with a JSON error, not a 500', async () => {
    const huge = await fetch(testStack().gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(200_000)}` }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({
      errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });

    const broken = await fetch(testStack().gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ __typename }"',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      errors: [{ extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('answers small batches and refuses large ones', async () => {
    const batch = (n: number) =>
      fetch(testStack().gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          Array.from({ length: n }, () => ({ query: '{ facilities { name } }' })),
        ),
      });
    const small = await batch(2);
    expect(small.status).toBe(200);
    expect((await small.json()) as unknown[]).toHaveLength(2);
    const large = await batch(11);
    expect(large.status).toBe(400);
    expect(await large.json()).toMatchObject({
      errors: [{ extensions: { code: 'BATCH_TOO_LARGE', limit: 10 } }],
    });
  });
});

describe('introspection switch', () => {
  const INTROSPECT = '{ __schema { queryType { name } } }';

  it('lets every standard client introspect under the default limits', async () => {
    const full = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    for (const query of [full, getIntrospectionQuery()]) {
      const result = await graphql<{ __schema: { types: unknown[] } }>(query);
      expect(result.errors).toBeUndefined();
      expect(result.data?.__schema.types.length).toBeGreaterThan(50);
    }
  });

  it('still refuses introspection that walks the schema in circles', async () => {
    const circles = `{ __schema { types { ${'fields { type { '.repeat(6)}name${' } }'.repeat(6)} } } }`;
    const refused = await graphql(circles);
    // Apollo Server's introspection-depth rule or the cost limit, whichever sees it first.
    expect(['GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_COMPLEX']).toContain(
      refused.errors?.[0]?.extensions?.code,
    );
    expect(refused.data ?? null).toBeNull();
  });

  it('is on by default: the explorer needs it', async () => {
    const result = await graphql<{ __schema: { queryType: { name: string } } }>(INTROSPECT);
    expect(result.data?.__schema.queryType.name).toBe('Query');
  });

  it('can be turned off, and then introspection is refused', async () => {
    const gateway = await startGateway(await freePort(), subgraphGraphqlUrls(), {
      ...limitsFromEnv(),
      introspection: false,
    });
    try {
      const refused = await graphql(INTROSPECT, {}, { url: gateway.url });
      expect(refused.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
      const ordinary = await graphql<{ facilities: unknown[] }>(
        '{ facilities { name } }',
        {},
        {
          url: gateway.url,
        },
      );
      expect(ordinary.data?.facilities.length).toBeGreaterThan(0);
    } finally {
      await gateway.stop();
    }
  });
});
