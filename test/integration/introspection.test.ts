import { getIntrospectionQuery } from 'graphql';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { send, subgraphGraphqlUrls } from '../support/stack';
import type { RunningService } from '@coop/common';

/**
 * Standard clients introspect a gateway with the default limits (the shared test graph lifts
 * the anonymous caller limits), and hostile introspection stays refused with a 4xx.
 */
let gateway: RunningService;
beforeAll(async () => {
  for (const variable of Object.keys(process.env)) {
    if (/^(MAX_|CALLER_|INTROSPECTION$)/.test(variable)) delete process.env[variable];
  }
  gateway = await startGateway(await freePort(), subgraphGraphqlUrls());
});
afterAll(() => gateway.stop());

const FULL = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});

describe('introspection with the default limits', () => {
  it('answers getIntrospectionQuery with every option, anonymously', async () => {
    const { status, body } = await send<{ __schema: { types: { name: string }[] } }>(
      FULL,
      {},
      { url: gateway.url, asGateway: false },
    );
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    const names = body.data?.__schema.types.map((type) => type.name);
    expect(names).toEqual(expect.arrayContaining(['Query', 'Agreement', 'ProgramRun']));
  });

  it('refuses ofType nested deeper than the standard query needs', async () => {
    const chain = `${'ofType { '.repeat(14)}name${' }'.repeat(14)}`;
    const { status, body } = await send(
      `{ __schema { types { fields { type { ${chain} } } } } }`,
      {},
      { url: gateway.url, asGateway: false },
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toMatch(/Introspection \d+ levels deep/);
  });

  it('refuses aliased copies of the standard query', async () => {
    const fragments = FULL.slice(FULL.indexOf('fragment FullType'));
    const selection = FULL.slice(FULL.indexOf('__schema'), FULL.indexOf('fragment FullType'));
    // The operation's own selection, without its closing brace, twenty times.
    const copy = selection.trim().slice(0, -1);
    const copies = Array.from({ length: 20 }, (_, i) => `s${i}: ${copy}`).join('\n');
    const { status, body } = await send(
      `query Copies {\n${copies}\n}\n${fragments}`,
      {},
      {
        url: gateway.url,
        asGateway: false,
      },
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(body.data ?? null).toBeNull();
  });
});
