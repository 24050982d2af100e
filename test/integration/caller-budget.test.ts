import { randomUUID } from 'node:crypto';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import type { CallerBudgetSettings } from '../../gateway/caller-budget';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { tokenFor, uncachedText, subgraphGraphqlUrls } from '../support/stack';

/** `{ facilities { name } }`: 20 facilities counted, 1 each (a scalar costs 0: decision 25). */
const QUERY = '{ facilities { name } }';
const COST = 20;
const BUDGET = 1000;
const ANSWERED = Math.floor(BUDGET / COST);

interface Reply {
  status: number;
  retryAfter: string | null;
  cache: string | null;
  body: { errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function ask(url: string, text: string, token?: string): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: text }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    cache: response.headers.get('x-cache'),
    body: (await response.json()) as Reply['body'],
  };
}

/** Sends computed (never cached) copies of QUERY until refused; returns how many were answered. */
async function spend(
  urls: string[],
  token?: string,
): Promise<{ answered: number; refusal: Reply }> {
  for (let sent = 0; sent < 3 * ANSWERED; sent += 1) {
    const reply = await ask(urls[sent % urls.length]!, uncachedText(QUERY), token);
    if (reply.status !== 200) return { answered: sent, refusal: reply };
    expect(reply.body.errors).toBeUndefined();
  }
  throw new Error('never refused');
}

function expectRateLimited(reply: Reply): void {
  expect(reply.status).toBe(429);
  expect(reply.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  expect(reply.body.errors?.[0]?.message).toMatch(/cost of 1000 per 60 s\. Retry in \d+ s\./);
  const seconds = Number(reply.retryAfter);
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  expect(reply.body.errors?.[0]?.extensions?.retryAfterSeconds).toBe(seconds);
}

const variants: [string, () => CallerBudgetSettings, number][] = [
  ['in memory', () => ({ costPerWindow: BUDGET, windowSeconds: 60, redisKeyPrefix: 'unused:' }), 1],
  [
    'shared by two gateways through Redis',
    () => ({
      costPerWindow: BUDGET,
      windowSeconds: 60,
      redisUrl: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      redisKeyPrefix: `coop-test:${randomUUID()}:budget:`,
    }),
    2,
  ],
];

describe.each(variants)('caller budget %s', (_name, settings, instances) => {
  const gateways: RunningService[] = [];
  const urls = () => gateways.map((gateway) => gateway.url);

  beforeAll(async () => {
    const cache = { ...cacheSettingsFromEnv(), enabled: true, redisUrl: undefined };
    // One budget setting (one Redis prefix) for every instance.
    const budget = settings();
    for (let i = 0; i < instances; i += 1) {
      gateways.push(
        await startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv(), cache, budget),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  });

  it('answers a caller until its cost budget is spent, then 429 with when to retry', async () => {
    const token = await tokenFor('admin', undefined, { subject: `spender-${randomUUID()}` });
    const { answered, refusal } = await spend(urls(), token);
    expect(answered).toBe(ANSWERED);
    expectRateLimited(refusal);
    // Still refused: the budget comes back with the window, not with the next request.
    expectRateLimited(await ask(urls()[0]!, uncachedText(QUERY), token));
  });

  it("does not touch another caller's budget: token subject, role and province each count", async () => {
    const subject = `neighbour-${randomUUID()}`;
    const spender = await tokenFor('regional-operator', '32', { subject });
    expectRateLimited((await spend(urls(), spender)).refusal);
    for (const other of [
      await tokenFor('regional-operator', '33', { subject }),
      await tokenFor('analyst', undefined, { subject }),
      await tokenFor('regional-operator', '32', { subject: `${subject}-other` }),
    ]) {
      const reply = await ask(urls()[0]!, uncachedText(QUERY), other);
      expect(reply.status).toBe(200);
    }
  });

  it('charges nothing for answers served from the response cache', async () => {
    const token = await tokenFor('admin', undefined, { subject: `reader-${randomUUID()}` });
    const text = uncachedText(QUERY);
    const replies: Reply[] = [];
    // Twice the requests the budget allows were they computed: only the first one is.
    for (let i = 0; i < 2 * ANSWERED; i += 1) replies.push(await ask(urls()[0]!, text, token));
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    expect(replies.slice(1).every((reply) => reply.cache === 'hit')).toBe(true);
    // The budget is untouched but for the one computed answer.
    expect((await spend(urls(), token)).answered).toBe(ANSWERED - 1);
  });

  it('counts anonymous callers by address', async () => {
    expectRateLimited((await spend(urls())).refusal);
    const token = await tokenFor('admin', undefined, { subject: `after-${randomUUID()}` });
    expect((await ask(urls()[0]!, uncachedText(QUERY), token)).status).toBe(200);
  });
});
