import { randomUUID } from 'node:crypto';
import { redisStore, type ResponseStore } from '../../gateway/response-store';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const SUBGRAPHS = ['library', 'bpsdm-central'];
const answer = { body: '{"data":{}}', contentType: 'application/json', storedAt: 1 };

const opened: ResponseStore[] = [];
function open(url: string, prefix: string): ResponseStore {
  const store = redisStore(url, SUBGRAPHS, prefix);
  opened.push(store);
  return store;
}
afterEach(() => Promise.all(opened.splice(0).map((store) => store.close())));

describe('response store shared through Redis', () => {
  it('has joined (and refreshed the generations) once started: an answer stored after is shared', async () => {
    const prefix = `coop-test:${randomUUID()}:`;
    const first = open(REDIS_URL, prefix);
    await first.started;
    const { generations } = await first.lookup('k', SUBGRAPHS);
    await first.save('k', SUBGRAPHS, generations!, answer, 60);
    // A second instance joining refreshes every generation: what was stored before is stale.
    const second = open(REDIS_URL, prefix);
    await second.started;
    expect((await first.lookup('k', SUBGRAPHS)).answer).toBeUndefined();
    const now = await second.lookup('k', SUBGRAPHS);
    await second.save('k', SUBGRAPHS, now.generations!, answer, 60);
    expect((await first.lookup('k', SUBGRAPHS)).answer?.body).toBe(answer.body);
  });

  it('starts within seconds when Redis is away, and answers uncached', async () => {
    const began = Date.now();
    const store = open('redis://127.0.0.1:9', `coop-test:${randomUUID()}:`);
    await store.started;
    expect(Date.now() - began).toBeLessThan(5000);
    expect(await store.lookup('k', SUBGRAPHS)).toEqual({ generations: null });
  });
});
