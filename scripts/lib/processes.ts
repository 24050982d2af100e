import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Starts a TypeScript entry point in its own Node process (through tsx). `stdio` may also be
 * two open file descriptors, for the child's stdout and stderr.
 */
export function spawnTypeScript(
  entry: string,
  env: NodeJS.ProcessEnv,
  stdio: 'inherit' | 'pipe' | { stdout: number; stderr: number } = 'inherit',
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio:
      stdio === 'inherit'
        ? 'inherit'
        : stdio === 'pipe'
          ? ['ignore', 'pipe', 'pipe']
          : ['ignore', stdio.stdout, stdio.stderr],
  });
}

/** Polls `url` until it answers 200; fails after `timeoutMs` or when `child` exits first. */
export async function waitForHealthy(
  url: string,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`process exited with code ${child.exitCode} before ${url} was healthy`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} was not healthy within ${timeoutMs} ms`);
}

/** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(
      `process ${child.spawnargs.slice(-1)[0]} did not stop within ${graceMs} ms: killed`,
    );
    child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
