import type { ChildProcess } from 'node:child_process';
import { freePort, spawnTypeScript, waitForHealthy } from '../../scripts/lib/processes';
import { asTheGateway, testStack, tokenFor } from '../support/stack';

/** SIGTERM: stop taking requests, finish those in flight, close the pool, exit 0. */
describe('graceful shutdown', () => {
  let child: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    child = spawnTypeScript(
      'services/library/index.ts',
      {
        ...process.env,
        DATABASE_URL: testStack().databaseUrls.library,
        LIBRARY_PORT: String(port),
        SEED_ON_START: 'none',
        AUTH_DEV_KEY_DIR: testStack().devKeyDir,
        AUTH_JWKS_URL: '',
        AUTH_PUBLIC_KEY: '',
      },
      'pipe',
    );
    child.stdout?.resume();
    child.stderr?.resume();
    await waitForHealthy(`http://localhost:${port}/health`, 60_000, child);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('finishes the requests in flight, then exits 0', async () => {
    const token = await tokenFor('admin');
    const ask = () =>
      fetch(`http://localhost:${port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          ...asTheGateway(),
        },
        body: JSON.stringify({
          query:
            '{ librarians(first: 100) { edges { node { name certifications { number status } } } } }',
        }),
      }).then(
        async (response) => ({ status: response.status, body: await response.text() }),
        (error: Error) => ({ status: 0, body: String(error) }),
      );
    const inFlight = Array.from({ length: 20 }, ask);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const signalled = Date.now();
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);

    // Every request that reached the service before the signal got its whole answer.
    const answered = answers.filter((answer) => answer.status !== 0);
    expect(answered.length).toBeGreaterThan(0);
    for (const answer of answered) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.librarians.edges.length).toBeGreaterThan(0);
    }
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    // And it takes no more.
    expect((await ask()).status).toBe(0);
  });
});
