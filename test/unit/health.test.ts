import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { subgraphHealth } from '../../gateway/health';

describe("the gateway's view of its subgraphs' health", () => {
  let probes = 0;
  let healthy = true;
  const server = http.createServer((_req, res) => {
    probes += 1;
    setTimeout(() => {
      res.statusCode = healthy ? 200 : 503;
      res.end('{}');
    }, 30);
  });
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('probes each subgraph once for a flood of health checks', async () => {
    probes = 0;
    const health = subgraphHealth({ library: url, 'bpsdm-central': url });
    const answers = await Promise.all(Array.from({ length: 200 }, () => health.states()));
    expect(probes).toBe(2);
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(
      new Set([JSON.stringify({ library: 'up', 'bpsdm-central': 'up' })]),
    );
  });

  it('answers from the background view: checks probe nothing, the refresh notices a change', async () => {
    const health = subgraphHealth({ library: url }, { refreshMs: 100 });
    health.start();
    try {
      expect(await health.states()).toEqual({ library: 'up' });
      probes = 0;
      await Promise.all(Array.from({ length: 500 }, () => health.states()));
      expect(probes).toBe(0);
      healthy = false;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await health.states()).toEqual({ library: 'down' });
      // While a subgraph is down, a check may probe again: its recovery shows at once.
      healthy = true;
      await new Promise((resolve) => setTimeout(resolve, 30));
      health.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await health.states()).toEqual({ library: 'up' });
    } finally {
      health.stop();
      healthy = true;
    }
  });

  it('probes again at once after a fetch found a subgraph unreachable', async () => {
    probes = 0;
    const health = subgraphHealth({ library: url }, { refreshMs: 60_000 });
    expect(await health.states()).toEqual({ library: 'up' });
    healthy = false;
    health.forget();
    expect(await health.states()).toEqual({ library: 'down' });
    expect(probes).toBe(2);
    healthy = true;
  });

  it('probes again at once when a subgraph it calls down answers a fetch', async () => {
    probes = 0;
    const health = subgraphHealth(
      { library: url },
      { refreshMs: 60_000, recheckDownAfterMs: 60_000 },
    );
    healthy = false;
    expect(await health.states()).toEqual({ library: 'down' });
    healthy = true;
    expect(await health.states()).toEqual({ library: 'down' });
    health.answered('library');
    expect(await health.states()).toEqual({ library: 'up' });
    expect(probes).toBe(2);
  });

  it('calls a subgraph that does not answer in time down', async () => {
    const health = subgraphHealth({ library: url }, { timeoutMs: 5 });
    expect(await health.states()).toEqual({ library: 'down' });
  });
});
