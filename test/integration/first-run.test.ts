import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { freePort, ROOT } from '../../scripts/lib/processes';
import { testStack } from '../support/stack';

const run = promisify(execFile);

/** Runs a command as a user would; resolves with its exit code and output, never throws. */
async function command(file: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Every line parses as JSON: nothing in plain text (no stack trace, no Apollo notice). */
function expectJsonLines(text: string) {
  const plain = lines(text).filter((line) => {
    try {
      JSON.parse(line);
      return false;
    } catch {
      return true;
    }
  });
  expect(plain).toEqual([]);
}

/** Holds a port the way another program would. */
async function occupiedPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, resolve));
  return { port, release: () => new Promise((resolve) => blocker.close(() => resolve())) };
}

describe('a first run, as a user types it', () => {
  it('`npm run --silent token` prints the token and nothing else', async () => {
    const { code, stdout } = await command(
      'npm',
      ['run', '--silent', 'token', '--', '--role', 'analyst'],
      { AUTH_DEV_KEY_DIR: testStack().devKeyDir },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  }, 60_000);

  it('`npm run token -- --help` explains, and a mistake says what to do', async () => {
    const help = await command('npm', ['run', '--silent', 'token', '--', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run --silent token -- \[--role ROLE\]/);
    const wrong = await command('npm', ['run', '--silent', 'token', '--', '--role', 'boss']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe(
      '--role must be one of admin, regional-operator, analyst, librarian (see --help)',
    );
  }, 60_000);

  it('`npm run token -- --role librarian` needs the librarian it names (decision 30)', async () => {
    const env = { AUTH_DEV_KEY_DIR: testStack().devKeyDir };
    const nobody = await command(
      'npm',
      ['run', '--silent', 'token', '--', '--role', 'librarian'],
      env,
    );
    expect(nobody.code).toBe(1);
    expect(nobody.stderr.trim()).toBe(
      "a librarian needs --librarian with the librarian's id (a UUID) (see --help)",
    );
    const id = '7f3c2a1e-0b4d-4c8e-9a6f-1d2e3f4a5b6c';
    const named = await command(
      'npm',
      ['run', '--silent', 'token', '--', '--role', 'librarian', '--librarian', id],
      env,
    );
    expect(named.code).toBe(0);
    const claims = JSON.parse(Buffer.from(named.stdout.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ roles: ['librarian'], librarianId: id });
  }, 60_000);

  it.each([
    ['gateway', 'gateway/index.ts', 'GATEWAY_PORT', {}],
    [
      'library',
      'services/library/index.ts',
      'LIBRARY_PORT',
      { SEED_ON_START: 'none', DATABASE_URL: testStack().databaseUrls.library },
    ],
  ])(
    'the %s on a port in use names the variable and exits 1 with JSON logs only',
    async (_name, entry, variable, env) => {
      const { port, release } = await occupiedPort();
      try {
        const { code, stdout, stderr } = await command(
          process.execPath,
          ['--import', 'tsx', entry],
          { ...env, [variable]: String(port), SUBGRAPH_SECRET: 'x', LOG_LEVEL: 'info' },
        );
        expect(code).toBe(1);
        expectJsonLines(stdout);
        expectJsonLines(stderr);
        const errors = lines(stdout)
          .map((line) => JSON.parse(line) as { level: number; msg: string })
          .filter((entry) => entry.level >= 50);
        expect(errors).toHaveLength(1);
        expect(errors[0]?.msg).toMatch(
          new RegExp(`port ${port} is already in use: set ${variable}`),
        );
      } finally {
        await release();
      }
    },
    90_000,
  );

  it('logs health probes only at debug level, and only JSON', async () => {
    const origin = new URL(testStack().gatewayUrl).origin;
    for (const probe of ['/health', '/livez']) await fetch(`${origin}${probe}`);
    await fetch(testStack().gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    // Written asynchronously: give the log a moment to reach the file.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const log = fs.readFileSync(testStack().logFile, 'utf8');
    expectJsonLines(log);
    const logged = lines(log).map((line) => JSON.parse(line) as { path?: string });
    expect(logged.some((entry) => entry.path === '/graphql')).toBe(true);
    expect(logged.filter((entry) => /^\/(health|livez|readyz)$/.test(entry.path ?? ''))).toEqual(
      [],
    );
  });
});
