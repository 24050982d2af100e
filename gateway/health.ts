export type SubgraphState = 'up' | 'down';

async function probe(url: string, timeoutMs: number): Promise<SubgraphState> {
  try {
    const response = await fetch(url.replace(/\/graphql$/, '/health'), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok ? 'up' : 'down';
  } catch {
    return 'down';
  }
}

/**
 * Each subgraph's state for the gateway's `/health`. However many callers ask at once, the
 * subgraphs are probed once, and an answer younger than `freshForMs` is reused: a flood of
 * health checks must neither slow real queries nor make healthy subgraphs look down. A failed
 * fetch to a subgraph (`forget`) makes the next check probe again at once.
 */
export function subgraphHealth(
  urls: Record<string, string>,
  { freshForMs = 250, timeoutMs = 2000 } = {},
) {
  let last: { at: number; states: Record<string, SubgraphState> } | undefined;
  let probing: Promise<Record<string, SubgraphState>> | undefined;
  const probeAll = async () => {
    const entries = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => [name, await probe(url, timeoutMs)]),
    );
    const states = Object.fromEntries(entries) as Record<string, SubgraphState>;
    last = { at: Date.now(), states };
    return states;
  };
  return {
    async states(): Promise<Record<string, SubgraphState>> {
      if (last && Date.now() - last.at < freshForMs) return last.states;
      probing ??= probeAll().finally(() => {
        probing = undefined;
      });
      return probing;
    },
    forget(): void {
      last = undefined;
    },
  };
}
