import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import { callerBudgetFromEnv } from '../../gateway/caller-budget';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { uncachedText, subgraphGraphqlUrls } from '../support/stack';

/** Forty programs with twenty runs each: a few thousand, far under the cost limit. */
const QUERY =
  '{ trainingPrograms(first: 40) { edges { node { title runs(first: 20) { edges { node { id } } } } } } }';

interface Reply {
  status: number;
  retryAfter: string | null;
  cache: string | null;
  code: unknown;
}

async function ask(url: string, text: string): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: unknown } }[] };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    cache: response.headers.get('x-cache'),
    code: body.errors?.[0]?.extensions?.code,
  };
}

/** One anonymous caller sending `count` requests at once. */
const flood = (url: string, count: number, text: () => string) =>
  Promise.all(Array.from({ length: count }, () => ask(url, text())));

describe('a flood from one caller gets 429s (in-process gateways with low limits)', () => {
  const gateways: RunningService[] = [];

  beforeAll(async () => {
    const cache = { ...cacheSettingsFromEnv(), enabled: true, redisUrl: undefined };
    const base = { windowSeconds: 60, redisKeyPrefix: 'unused:' };
    // Concurrency only: 2 operations in flight per caller, no cost budget.
    gateways.push(
      await startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv(), cache, {
        ...base,
        costPerWindow: 0,
        maxInFlight: 2,
      }),
    );
    // The defaults.
    gateways.push(
      await startGateway(
        await freePort(),
        subgraphGraphqlUrls(),
        limitsFromEnv(),
        cache,
        callerBudgetFromEnv(),
      ),
    );
    // A low cost budget and a generous concurrency.
    gateways.push(
      await startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv(), cache, {
        ...base,
        costPerWindow: 20_000,
        maxInFlight: 100,
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  });

  it('refuses operations beyond the in-flight limit with 429 RATE_LIMITED and retry-after', async () => {
    const url = gateways[0]!.url;
    const replies = await flood(url, 30, () => uncachedText(QUERY));
    const refused = replies.filter((reply) => reply.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.status === 200).length).toBeGreaterThanOrEqual(2);
    for (const reply of refused) {
      expect(reply.code).toBe('RATE_LIMITED');
      expect(reply.retryAfter).toBe('1');
    }
    // Every slot is given back: one at a time always passes.
    for (let i = 0; i < 5; i += 1) expect((await ask(url, uncachedText(QUERY))).status).toBe(200);
  });

  it('never limits answers from the response cache', async () => {
    const url = gateways[0]!.url;
    const text = uncachedText(QUERY);
    expect((await ask(url, text)).status).toBe(200);
    const replies = await flood(url, 30, () => text);
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    expect(replies.every((reply) => reply.cache === 'hit')).toBe(true);
  });

  it('a flood of costly queries spends the budget and gets 429s', async () => {
    const url = gateways[2]!.url;
    const replies = await flood(url, 40, () => uncachedText(QUERY));
    const refused = replies.filter((reply) => reply.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((reply) => reply.code === 'RATE_LIMITED')).toBe(true);
    expect(Number(refused[0]!.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('with the defaults, an anonymous caller gets 10 operations of cost 100,000 a minute, then is refused before its request is read', async () => {
    const url = gateways[1]!.url;
    const page = (i: number) =>
      `p${i}: programRuns(first: 100) { edges { node { id batch startsOn office { name } program { title modules { title } agreement { title programs { title } parties { organization } } } } } }`;
    // By the demand-control rules (decision 25): 15 pages × (1 + 100 runs × (edge 1 + node 1 +
    // office 1 + program 1 + 20 modules + agreement 1 + 20 programs + 20 parties)): 97,515.
    const text = () =>
      uncachedText(`{ ${Array.from({ length: 15 }, (_, i) => page(i)).join(' ')} }`);
    const statuses: number[] = [];
    // One at a time: anonymous callers may have one computed operation in flight by default.
    for (let i = 0; i < 16; i += 1) statuses.push((await ask(url, text())).status);
    expect(statuses.filter((status) => status === 200).length).toBe(10);
    expect(statuses.filter((status) => status === 429).length).toBe(6);
    // Refused before its request is read: even a body that is not JSON gets the 429.
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
  });
});
