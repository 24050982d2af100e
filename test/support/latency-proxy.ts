import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A proxy in front of one subgraph that holds every request a while before passing it on. */
export interface LatencyProxy {
  /** The proxy's base URL: the subgraph's paths, one hop slower. */
  url: string;
  stop(): Promise<void>;
}

/** How long the proxy holds a request before passing it on, and its answer before returning it. */
export interface Delays {
  beforeMs(): number;
  /** For the answer to this request (its method and path). */
  afterMs(request: { method?: string; url?: string }): number;
}

/**
 * Starts a proxy to `target` (a base URL) that holds each request and each answer a while, so
 * that requests through a gateway overlap long enough for the races a test looks for (a read
 * in flight while a write lands, an answer read before a write and delivered after it) to
 * happen on every run, not only on a slow machine.
 */
export async function latencyProxy(target: string, delays: Delays): Promise<LatencyProxy> {
  const base = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      setTimeout(() => {
        const forwarded = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            method: incoming.method,
            path: incoming.url,
            headers: { ...incoming.headers, host: base.host },
          },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => body.push(chunk));
            answer.on('end', () => {
              setTimeout(() => {
                outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
                outgoing.end(Buffer.concat(body));
              }, delays.afterMs(incoming));
            });
          },
        );
        forwarded.on('error', () => {
          if (!outgoing.headersSent) outgoing.writeHead(502);
          outgoing.end();
        });
        forwarded.end(Buffer.concat(chunks));
      }, delays.beforeMs());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
