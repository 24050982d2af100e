import fs from 'node:fs';
import { send, testStack, tokenFor } from '../support/stack';

async function metricsOf(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/text\/plain/);
  return response.text();
}

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('observability', () => {
  it('follows one request id from the gateway through the subgraphs, in JSON logs', async () => {
    const requestId = `test-${Date.now()}`;
    const response = await fetch(testStack().gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({
        operationName: 'Traced',
        query:
          'query Traced { agreements(first: 1) { edges { node { title programs { title } } } } }',
      }),
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = fs
      .readFileSync(testStack().logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes(requestId))
      .map((line) => JSON.parse(line) as { service: string; status: number; requestId: string });
    expect(new Set(lines.map((line) => line.service))).toEqual(
      new Set(['gateway', 'library', 'bpsdm-central']),
    );
    for (const line of lines) expect(line.status).toBe(200);
  });

  it('counts requests, errors by code and subgraph calls for Prometheus', async () => {
    const base = testStack().gatewayUrl.replace(/\/graphql$/, '');
    const before = await metricsOf(base);
    await send('query Counted { facilities { name } }');
    await send(
      'query Refused { librarians { totalCount } }',
      {},
      { token: await tokenFor('analyst') },
    ).then(() => undefined);
    await send(
      'query Refused { librarians { edges { node { name } } } }',
      {},
      {
        token: await tokenFor('analyst'),
      },
    );
    const after = await metricsOf(base);
    const requests = (text: string) =>
      sample(
        text,
        'graphql_http_requests_total',
        'service="gateway",operation="Counted",status="200"',
      );
    expect(requests(after) - requests(before)).toBe(1);
    const forbidden = (text: string) =>
      sample(
        text,
        'graphql_errors_total',
        'service="gateway",operation="Refused",code="FORBIDDEN"',
      );
    expect(forbidden(after) - forbidden(before)).toBeGreaterThanOrEqual(1);
    const fetches = (text: string) =>
      sample(
        text,
        'gateway_subgraph_fetch_duration_seconds_count',
        'subgraph="library",outcome="ok"',
      );
    expect(fetches(after) - fetches(before)).toBeGreaterThanOrEqual(3);
    expect(after).toMatch(/^process_resident_memory_bytes \d+/m);

    const library = await metricsOf(testStack().subgraphUrls.library);
    expect(library).toMatch(/graphql_http_requests_total\{service="library"/);
  });
});
