import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '@redis/client';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv, type CacheSettings } from '../../gateway/cache-settings';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { query, subgraphGraphqlUrls, tokenFor, uncachedText } from '../support/stack';

/**
 * The response cache when its Redis misbehaves: a Redis of the test's own (the machine's is
 * shared with other test files), stalled with DEBUG SLEEP, full with maxmemory and noeviction,
 * killed and restarted on the same port. Redis is an accelerator: requests keep their speed,
 * /health says degraded, and no write is followed by an answer that predates it.
 */

/** A province and year of their own: no other test file writes here. */
const PROVINCE = '53';
const YEAR = 2033;

const figures = `{ regionalOffice(provinceCode: "${PROVINCE}") { trainingStats(year: ${YEAR}) { runs } } }`;

interface OwnRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  kill(): Promise<void>;
  /** One command on a connection of its own (the gateways' are not disturbed). */
  command(args: string[]): Promise<unknown>;
}

/** A redis-server on `port` that keeps its snapshot (SAVE) in `dir` and loads it when started. */
function ownRedis(port: number, dir: string): OwnRedis {
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const command = async (args: string[]) => {
    const client = createClient({ url });
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      client.destroy();
    }
  };
  return {
    url,
    port,
    command,
    async start() {
      child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          ...['--dir', dir],
          ...['--enable-debug-command', 'local'],
        ],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 100; i += 1) {
        if (
          await command(['PING']).then(
            () => true,
            () => false,
          )
        ) {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`redis-server on port ${port} did not start`);
    },
    async kill() {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child?.kill('SIGKILL');
      await exited;
    },
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
};

describe('the response cache on a Redis that stalls, fills up or restarts', () => {
  let redis: OwnRedis;
  let snapshots: string;
  let settings: CacheSettings;
  /** Two gateways sharing the test's Redis, and one with its cache in memory (no Redis). */
  let shared: RunningService[] = [];
  let inMemory: RunningService;
  let admin: string;
  let analyst: string;
  let programId: string;
  // Batch numbers the seed never uses.
  let batch = 900;

  beforeAll(async () => {
    snapshots = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-redis-'));
    redis = ownRedis(await freePort(), snapshots);
    await redis.start();
    settings = {
      ...cacheSettingsFromEnv(),
      enabled: true,
      redisUrl: redis.url,
      redisKeyPrefix: `coop-test:${randomUUID()}:`,
    };
    shared = [await startShared(), await startShared()];
    inMemory = await startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv(), {
      ...settings,
      redisUrl: undefined,
    });
    [admin, analyst] = await Promise.all([tokenFor('admin'), tokenFor('analyst')]);
    const { trainingPrograms } = await query<{
      trainingPrograms: { edges: { node: { id: string } }[] };
    }>(`{ trainingPrograms(first: 1) { edges { node { id } } } }`, {}, { token: admin });
    programId = trainingPrograms.edges[0]!.node.id;
  });

  afterAll(async () => {
    await Promise.all([...shared, inMemory].map((gateway) => gateway?.stop()));
    shared = [];
    await redis?.kill();
    fs.rmSync(snapshots, { recursive: true, force: true });
  });

  const startShared = async () =>
    startGateway(await freePort(), subgraphGraphqlUrls(), limitsFromEnv(), settings);

  async function ask(gateway: RunningService, text: string, token = analyst) {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text }),
    });
    const body = (await response.json()) as {
      data?: { regionalOffice?: { trainingStats: { runs: number } } };
      errors?: unknown[];
    };
    expect([response.status, body.errors]).toEqual([200, undefined]);
    return { cache: response.headers.get('x-cache'), body };
  }

  const runsSeenBy = async (gateway: RunningService) =>
    (await ask(gateway, figures)).body.data!.regionalOffice!.trainingStats.runs;

  /** Plans one run through `gateway` and returns when its response has arrived. */
  async function plan(gateway: RunningService) {
    batch += 1;
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query: `mutation ($input: PlanRunInput!) { planRun(input: $input) { id } }`,
        variables: {
          input: {
            provinceCode: PROVINCE,
            programId,
            batch,
            startsOn: `${YEAR}-05-04`,
            endsOn: `${YEAR}-05-08`,
            quota: 10,
          },
        },
      }),
    });
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
  }

  /** Reads stored on both shared gateways, then a write, then no stale answer on either. */
  async function expectFreshAfterWrite(writeThrough: RunningService) {
    for (const gateway of shared) await runsSeenBy(gateway);
    const before = await runsSeenBy(shared[0]!);
    await plan(writeThrough);
    for (const gateway of shared) expect(await runsSeenBy(gateway)).toBe(before + 1);
  }

  const cacheHealth = async (gateway: RunningService) => {
    const response = await fetch(gateway.url.replace(/graphql$/, 'health'));
    const body = (await response.json()) as { status: string; cache?: string };
    return { httpStatus: response.status, status: body.status, cache: body.cache };
  };

  async function eventually(check: () => Promise<boolean>, what: string) {
    for (let i = 0; i < 100; i += 1) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`never: ${what}`);
  }

  it('keeps computed requests as fast as without Redis while Redis stalls, says degraded, serves nothing stale', async () => {
    await expectFreshAfterWrite(shared[1]!);
    expect((await cacheHealth(shared[0]!)).cache).toBe('ok');
    // The whole server stops answering for 8 s (a fork, a slow disk, a long script).
    const stall = redis.command(['DEBUG', 'SLEEP', '8']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const withStall: number[] = [];
    const withoutRedis: number[] = [];
    const until = performance.now() + 5000;
    while (performance.now() < until) {
      for (const [gateway, times] of [
        [shared[0]!, withStall],
        [inMemory, withoutRedis],
      ] as const) {
        const started = performance.now();
        await ask(gateway, uncachedText(figures));
        times.push(performance.now() - started);
      }
    }
    const health = await cacheHealth(shared[0]!);
    expect(health).toEqual({ httpStatus: 200, status: 'degraded', cache: 'degraded' });
    // A write while Redis stalls: its response waits for the record; then no stale answer.
    const before = await runsSeenBy(inMemory);
    await plan(shared[0]!);
    for (const gateway of shared) expect(await runsSeenBy(gateway)).toBe(before + 1);
    await stall;
    await eventually(async () => (await cacheHealth(shared[0]!)).cache === 'ok', 'cache ok again');

    // The first request of the stall waits for its Redis command to time out (100 ms,
    // REDIS_COMMAND_TIMEOUT_MS); from then on the breaker is open and Redis is not waited for.
    const [first, ...after] = withStall;
    const p99 = { withStall: percentile(after, 99), withoutRedis: percentile(withoutRedis, 99) };
    expect(withStall.length).toBeGreaterThan(20);
    expect(first).toBeLessThanOrEqual(100 + 2 * Math.max(p99.withoutRedis, 20));
    expect(p99.withStall).toBeLessThanOrEqual(2 * Math.max(p99.withoutRedis, 20));
  });

  it('records every write on a Redis that is full and evicts nothing', async () => {
    const info = String(await redis.command(['INFO', 'memory']));
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    await redis.command(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    await redis.command(['CONFIG', 'SET', 'maxmemory', String(used)]);
    try {
      await expect(
        redis.command(['SET', `full-${randomUUID()}`, 'x'.repeat(10_000)]),
      ).rejects.toThrow(/OOM/);
      await expectFreshAfterWrite(shared[0]!);
      await expectFreshAfterWrite(shared[1]!);
    } finally {
      await redis.command(['CONFIG', 'SET', 'maxmemory', '0']);
    }
  });

  it('serves no answer of a Redis restarted from an older snapshot, nor one that predates a write made while it was down', async () => {
    for (const gateway of shared) await runsSeenBy(gateway);
    const before = await runsSeenBy(shared[0]!);
    // The snapshot holds those answers and the generations they were stored under; the write
    // after it is not in it.
    await redis.command(['SAVE']);
    await expectFreshAfterWrite(shared[0]!);
    await redis.kill();
    await redis.start();
    for (const gateway of shared) {
      await eventually(async () => (await cacheHealth(gateway)).cache === 'ok', 'cache ok again');
      expect(await runsSeenBy(gateway)).toBe(before + 1);
    }

    await redis.kill();
    const written = plan(shared[1]!);
    // Reads go on, computed, while Redis is away; the write's response waits for its record.
    expect(await runsSeenBy(shared[0]!)).toBeGreaterThanOrEqual(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start();
    await written;
    for (const gateway of shared) expect(await runsSeenBy(gateway)).toBe(before + 2);
    // The write's record waited for the new server; both gateways use it again.
    for (const gateway of shared) {
      await eventually(async () => (await cacheHealth(gateway)).cache === 'ok', 'cache ok again');
    }
    const text = uncachedText(figures);
    await ask(shared[0]!, text);
    await eventually(async () => (await ask(shared[1]!, text)).cache === 'hit', 'a shared hit');
  });

  it('keeps the cluster’s answers when a third gateway joins', async () => {
    const texts = Array.from({ length: 12 }, () => uncachedText(figures));
    for (const text of texts) await ask(shared[0]!, text);
    const hitRatio = async () => {
      let hits = 0;
      for (const text of texts) {
        for (const gateway of shared) if ((await ask(gateway, text)).cache === 'hit') hits += 1;
      }
      return hits / (texts.length * shared.length);
    };
    const before = await hitRatio();
    const third = await startShared();
    try {
      expect((await ask(third, texts[0]!)).cache).toBe('hit');
      expect({ before, after: await hitRatio() }).toEqual({ before: 1, after: 1 });
    } finally {
      await third.stop();
    }
  });
});
