import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer for tests: each request goes to the next of `targets`, in turn. `targets` may
 * be filled after it starts (its instances need its address first).
 */
export interface RoundRobin {
  url: string;
  targets: string[];
  /** How many requests each target was sent. */
  sent: number[];
  close(): Promise<void>;
}

export async function roundRobin(targets: string[]): Promise<RoundRobin> {
  const sent: number[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    if (targets.length === 0) {
      res.writeHead(503);
      res.end();
      return;
    }
    const index = next++ % targets.length;
    sent[index] = (sent[index] ?? 0) + 1;
    const target = new URL(req.url ?? '/', targets[index]);
    const forwarded = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
