import { randomUUID } from 'node:crypto';
import { redisStore, type ResponseStore } from '../../gateway/response-store';

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
  await store.save(key, stamp!, answer, 60);
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
    await first.save('reads-central', stamp!, answer, 60);
    await second.invalidate(['library']);
    expect((await first.lookup('reads-library', SUBGRAPHS)).answer).toBeUndefined();
    expect((await first.lookup('reads-central', ['bpsdm-central'])).answer?.body).toBe(answer.body);
  });

  it('starts within seconds when Redis is away, answers uncached and says it is degraded', async () => {
    const began = Date.now();
    const store = open('redis://127.0.0.1:9', `coop-test:${randomUUID()}:`);
    await store.started;
    expect(Date.now() - began).toBeLessThan(5000);
    expect(await store.lookup('k', SUBGRAPHS)).toEqual({ stamp: null });
    expect(store.state()).toBe('degraded');
  });

  it('holds a write until Redis has recorded it', async () => {
    const store = open('redis://127.0.0.1:9', `coop-test:${randomUUID()}:`);
    await store.started;
    const recorded = jest.fn();
    void store.invalidate(['library']).then(recorded);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorded).not.toHaveBeenCalled();
  });
});
