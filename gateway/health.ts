import http from 'node:http';

export type SubgraphState = 'up' | 'down';

/**
 * Probes reuse their connections: a probe every second costs a request, not a handshake. An idle
 * connection is closed after 3 s, before a Node server's own 5 s would close it under a probe.
 */
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 4, timeout: 3000 });

/** GET /health with node:http: WHATWG fetch and a timeout signal cost ten times as much. */
function probe(url: string, timeoutMs: number): Promise<SubgraphState> {
  return new Promise((resolve) => {
    const request = http.get(url.replace(/\/graphql$/, '/health'), { agent: probeAgent }, (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve(
          res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300
            ? 'up'
            : 'down',
        );
      });
      res.on('error', () => resolve('down'));
    });
    const timer = setTimeout(() => request.destroy(new Error('timed out')), timeoutMs);
    request.on('error', () => {
      clearTimeout(timer);
      resolve('down');
    });
  });
}

export interface SubgraphHealthOptions {
  /** How often the background refresh probes every subgraph. */
  refreshMs?: number;
  /** While a subgraph is down, a check may probe again once the view is this old. */
  recheckDownAfterMs?: number;
  timeoutMs?: number;
}

/**
 * Each subgraph's state for the gateway's `/health`, from a view refreshed in the background
 * (`start`): a flood of health checks probes nothing, so it can neither slow real queries nor
 * make healthy subgraphs look down. Without a view (before the first refresh, or after a failed
 * fetch to a subgraph called `forget`) a check probes at once; while the view says a subgraph
 * is down, a check older than `recheckDownAfterMs` probes again, so a recovery shows at once.
 * However many callers ask at once, the subgraphs are probed once.
 */
export function subgraphHealth(
  urls: Record<string, string>,
  { refreshMs = 1000, recheckDownAfterMs = 250, timeoutMs = 2000 }: SubgraphHealthOptions = {},
) {
  let last: { at: number; states: Record<string, SubgraphState> } | undefined;
  let probing: { generation: number; states: Promise<Record<string, SubgraphState>> } | undefined;
  // Bumped by `forget`: a probe begun before a failed fetch must not restore the old view.
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;
  const probeAll = async (begun: number) => {
    const entries = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => [name, await probe(url, timeoutMs)]),
    );
    const states = Object.fromEntries(entries) as Record<string, SubgraphState>;
    if (begun === generation) last = { at: Date.now(), states };
    return states;
  };
  const refresh = () => {
    if (probing?.generation !== generation) {
      const current = {
        generation,
        states: probeAll(generation).finally(() => {
          if (probing === current) probing = undefined;
        }),
      };
      probing = current;
    }
    return probing.states;
  };
  return {
    async states(): Promise<Record<string, SubgraphState>> {
      if (last) {
        const someDown = Object.values(last.states).includes('down');
        if (!someDown || Date.now() - last.at < recheckDownAfterMs) return last.states;
      }
      return refresh();
    },
    forget(): void {
      last = undefined;
      generation += 1;
    },
    /** A subgraph answered a fetch: a view that calls it down is out of date. */
    answered(name: string): void {
      if (last?.states[name] === 'down') this.forget();
    },
    /** Starts the background refresh (first probe at once); `stop` ends it. */
    start(): void {
      if (timer) return;
      void refresh();
      timer = setInterval(() => void refresh(), refreshMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
