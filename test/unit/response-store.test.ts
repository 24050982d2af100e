import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { memoryStore, redisStore, type ResponseStore } from '../../gateway/response-store';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const SUBGRAPHS = ['library', 'bpsdm-central'];
const answer = { body: '{"data":{}}', contentType: 'application/json', storedAt: 1 };

const opened: ResponseStore[] = [];
function open(url: string, prefix: string): ResponseStore {
  const store = redisStore(url, prefix);
  opened.push(store);
  return store;
}
afterEach(() => Promise.all(opened.splice(0).map((store) => store.close())));

async function storeAnswer(store: ResponseStore, key: string) {
  const { stamp } = await store.lookup(key, SUBGRAPHS);
  expect(stamp).not.toBeNull();
  await store.save(key, stamp!, answer, 60, new Map());
}

describe('response store shared through Redis', () => {
  it('keeps what the cluster stored when another gateway joins', async () => {
    const prefix = `coop-test:${randomUUID()}:`;
    const first = open(REDIS_URL, prefix);
    await first.started;
    await storeAnswer(first, 'k');
    const second = open(REDIS_URL, prefix);
    await second.started;
    expect((await first.lookup('k', SUBGRAPHS)).answer?.body).toBe(answer.body);
    expect((await second.lookup('k', SUBGRAPHS)).answer?.body).toBe(answer.body);
    expect([first.state(), second.state()]).toEqual(['ok', 'ok']);
  });

  it("makes a write's subgraphs fresh on every gateway before the write is answered", async () => {
    const prefix = `coop-test:${randomUUID()}:`;
    const [first, second] = [open(REDIS_URL, prefix), open(REDIS_URL, prefix)];
    await Promise.all([first.started, second.started]);
    await storeAnswer(first, 'reads-library');
    const { stamp } = await first.lookup('reads-central', ['bpsdm-central']);
    await first.save('reads-central', stamp!, answer, 60, new Map());
    await second.invalidate({ subgraphs: ['library'], versions: new Map() });
    expect((await first.lookup('reads-library', SUBGRAPHS)).answer).toBeUndefined();
    expect((await first.lookup('reads-central', ['bpsdm-central'])).answer?.body).toBe(answer.body);
  });

  it('counts the writes recorded by any gateway: equal counts, no write between two lookups', async () => {
    const prefix = `coop-test:${randomUUID()}:`;
    const [first, second] = [open(REDIS_URL, prefix), open(REDIS_URL, prefix)];
    await Promise.all([first.started, second.started]);
    const before = await first.lookup('k', SUBGRAPHS);
    expect((await second.lookup('other', ['library'])).writes).toBe(before.writes);
    await second.invalidate({ subgraphs: [], versions: new Map([['bpsdm-regional/*', 5]]) });
    const after = await first.lookup('k', SUBGRAPHS);
    expect(after.stamp).toBe(before.stamp);
    expect(after.writes).not.toBe(before.writes);
  });

  it('starts within seconds when Redis is away, answers uncached and says it is degraded', async () => {
    const began = Date.now();
    const store = open('redis://127.0.0.1:9', `coop-test:${randomUUID()}:`);
    await store.started;
    expect(Date.now() - began).toBeLessThan(5000);
    expect(await store.lookup('k', SUBGRAPHS)).toEqual({ stamp: null, writes: null });
    expect(store.state()).toBe('degraded');
  });

  it('holds a write until Redis has recorded it', async () => {
    const store = open('redis://127.0.0.1:9', `coop-test:${randomUUID()}:`);
    await store.started;
    const recorded = jest.fn();
    void store.invalidate({ subgraphs: ['library'], versions: new Map() }).then(recorded);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorded).not.toHaveBeenCalled();
  });
});

/**
 * The store against a model of one partitioned subgraph (`r`, provinces 1–3 and `*`): answers
 * read at versions, writes that raise them (reported) or say nothing (the generation), any
 * order, two gateways sharing the store. A hit is only ever an answer read at the versions the
 * model has now; an answer stored after the last write that touched it is a hit.
 */
describe.each([
  ['in memory', () => [memoryStore(1 << 20)].map((store) => [store, store])[0]!],
  [
    'shared through Redis',
    () => {
      const prefix = `coop-test:${randomUUID()}:`;
      return [open(REDIS_URL, prefix), open(REDIS_URL, prefix)];
    },
  ],
])('response store %s, by partition (generated)', (name, stores) => {
  const PROVINCES = ['1', '2', '3'];
  type Step =
    | { kind: 'read'; gateway: number; key: number; provinces: string[] }
    | { kind: 'write'; gateway: number; province: string; reported: boolean };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('read' as const),
      gateway: fc.nat({ max: 1 }),
      key: fc.nat({ max: 3 }),
      // No province: a national answer, read at `*`.
      provinces: fc.subarray(PROVINCES),
    }),
    fc.record({
      kind: fc.constant('write' as const),
      gateway: fc.nat({ max: 1 }),
      province: fc.constantFrom(...PROVINCES),
      reported: fc.boolean(),
    }),
  );

  it('serves an answer only while every partition it read is unchanged', async () => {
    let served = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const gateways = stores() as ResponseStore[];
        await Promise.all(gateways.map((store) => store.started));
        /** The database: a version per partition, and everything written so far. */
        const versions = new Map<string, number>([['r/*', 1]]);
        let clock = 1;
        const scopesOf = (provinces: string[]) =>
          provinces.length ? provinces.map((p) => `r/province:${p}`) : ['r/*'];
        for (const current of steps) {
          const store = gateways[current.gateway]!;
          if (current.kind === 'write') {
            clock += 1;
            const touched = ['r/*', `r/province:${current.province}`];
            for (const scope of touched) versions.set(scope, clock);
            await store.invalidate(
              current.reported
                ? { subgraphs: [], versions: new Map(touched.map((s) => [s, clock])) }
                : { subgraphs: ['r'], versions: new Map() },
            );
            continue;
          }
          const key = `${current.key}:${current.provinces.join(',')}`;
          const scopes = scopesOf(current.provinces);
          const now = scopes.map((scope) => `${scope}@${versions.get(scope) ?? 0}`).join(' ');
          const { answer: hit, stamp } = await store.lookup(key, ['r']);
          if (hit) {
            expect([key, hit.body]).toEqual([key, now]);
            continue;
          }
          // Redis slow under load (the breaker open): nothing is stored, nothing to check.
          if (stamp === null) continue;
          const reads = new Map(scopes.map((scope) => [scope, versions.get(scope) ?? 0]));
          await store.save(key, stamp!, { ...answer, body: now }, 60, reads);
          // Stored after the last write that touched it: the other gateway serves it too.
          const other = await gateways[1 - current.gateway]!.lookup(key, ['r']);
          if (other.answer) served += 1;
          // Only a slow Redis (under load) refuses it.
          if (other.stamp !== null && name === 'in memory') expect(other.answer?.body).toBe(now);
        }
      }),
      { numRuns: 40 },
    );
    expect(served).toBeGreaterThan(10);
  });
});
