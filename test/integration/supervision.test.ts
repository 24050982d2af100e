import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  freePort,
  spawnTypeScript,
  stopProcess,
  waitForHealthy,
} from '../../scripts/lib/processes';
import { adminToken, testStack } from '../support/stack';

/**
 * `npm start` supervises: a subgraph killed under it costs only its part of the answers, and
 * is back within seconds; Ctrl-C (SIGTERM here) still stops everything. A graph of its own
 * (scripts/start.ts on free ports), so killing a subgraph disturbs no other test: on the test
 * stack's database when that is a real server (already migrated and seeded), else on an
 * embedded PostgreSQL of its own.
 */

interface LogLine {
  msg: string;
  service?: string;
  pid?: number;
  signal?: string | null;
  restartInMs?: number;
}

interface Answer {
  data?: { regionalOffices: { provinceCode: string }[]; librarians: { totalCount: number } | null };
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

const QUERY = '{ regionalOffices { provinceCode } librarians(first: 1) { totalCount } }';

describe('npm start supervises its services', () => {
  let graph: ChildProcess;
  let gatewayUrl: string;
  const lines: LogLine[] = [];
  let embeddedDir: string | undefined;

  const ask = async (): Promise<Answer> => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token}` },
      body: JSON.stringify({ query: QUERY }),
    });
    return (await response.json()) as Answer;
  };
  const token = adminToken();
  const logged = (predicate: (line: LogLine) => boolean) => lines.find(predicate);
  const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what} within ${timeoutMs} ms`);
  };

  beforeAll(async () => {
    const [gateway, library, central, regional, embeddedPort] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const realDatabase = testStack().databaseUrls.library.includes('/coop_test_');
    embeddedDir = realDatabase ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'coop-sup-'));
    gatewayUrl = `http://localhost:${gateway}/graphql`;
    graph = spawnTypeScript(
      'scripts/start.ts',
      {
        ...process.env,
        DATABASE_URL: realDatabase ? testStack().databaseUrls.library : '',
        EMBEDDED_PG_DIR: embeddedDir,
        EMBEDDED_PG_PORT: String(embeddedPort),
        SEED_ON_START: realDatabase ? 'none' : 'small',
        GATEWAY_PORT: String(gateway),
        LIBRARY_PORT: String(library),
        BPSDM_CENTRAL_PORT: String(central),
        BPSDM_REGIONAL_PORT: String(regional),
        LIBRARY_URL: '',
        BPSDM_CENTRAL_URL: '',
        BPSDM_REGIONAL_URL: '',
        AUTH_DEV_KEY_DIR: testStack().devKeyDir,
        AUTH_JWKS_URL: '',
        AUTH_PUBLIC_KEY: '',
        // Every answer computed: a cached one would hide the missing subgraph.
        RESPONSE_CACHE: 'off',
        REDIS_URL: '',
      },
      'pipe',
    );
    let pending = '';
    graph.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as LogLine);
        } catch {
          // not a log line
        }
      }
    });
    graph.stderr?.resume();
    await waitForHealthy(`http://localhost:${gateway}/health`, 180_000, graph);
  }, 200_000);

  afterAll(async () => {
    if (graph.exitCode === null) await stopProcess(graph);
    if (embeddedDir) fs.rmSync(embeddedDir, { recursive: true, force: true });
  });

  it('restarts a killed subgraph; the gateway answers partial data meanwhile', async () => {
    const whole = await ask();
    expect(whole.errors).toBeUndefined();
    expect(whole.data?.regionalOffices).toHaveLength(38);
    const librarians = whole.data?.librarians?.totalCount;
    expect(librarians).toBeGreaterThan(0);

    const started = logged((line) => line.msg === 'library started');
    expect(started?.pid).toEqual(expect.any(Number));
    const killedAt = Date.now();
    process.kill(started!.pid!, 'SIGKILL');

    // The supervisor says what happened, as one JSON line.
    const exited = await until(
      'no log line of the exit',
      async () => logged((line) => line.msg.startsWith('library exited unexpectedly')),
      5000,
    );
    expect(exited).toMatchObject({ service: 'library', signal: 'SIGKILL', restartInMs: 500 });

    // Meanwhile the other subgraphs' data, and an error naming the missing one.
    const partial = await ask();
    if (partial.data?.librarians === null) {
      expect(partial.data.regionalOffices).toHaveLength(38);
      expect(partial.errors).toEqual([
        expect.objectContaining({
          message: expect.stringContaining('library'),
          extensions: expect.objectContaining({
            code: 'SUBGRAPH_UNAVAILABLE',
            serviceName: 'library',
          }),
        }),
      ]);
    } else {
      // Only when the restart already won the race: say so rather than pass by chance.
      throw new Error(`library was back ${Date.now() - killedAt} ms after the kill`);
    }

    // Back within seconds, with the whole answer again.
    const back = await until(
      'library was not back',
      async () => {
        const answer = await ask();
        return answer.errors ? undefined : answer;
      },
      20_000,
    );
    expect(back.data?.librarians?.totalCount).toBe(librarians);
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    const backLine = await until(
      'no log line of the return',
      async () => logged((line) => line.msg.startsWith('library is back after')),
      5000,
    );
    expect(backLine.pid).toEqual(expect.any(Number));
    expect(backLine.pid).not.toBe(started!.pid);
  });

  it('stops everything on SIGTERM, the restarted subgraph too', async () => {
    const pids = lines
      .filter((line) => line.pid && /started|is back after/.test(line.msg))
      .map((line) => line.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(5);
    const exited = new Promise<number | null>((resolve) =>
      graph.once('exit', (code) => resolve(code)),
    );
    graph.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((line) => line.msg === 'all services stopped')).toBe(true);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
