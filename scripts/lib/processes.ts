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
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      const how = child.signalCode ?? `code ${child.exitCode}`;
      throw new Error(`process exited (${how}) before ${url} was healthy`);
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

export interface SupervisorLog {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RestartPolicy {
  /** Wait before the first restart; doubled for each crash in a row, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A process that ran this long before it crashed starts the doubling again. */
  stableAfterMs: number;
  /** How long a (re)started process has to answer its health check. */
  startupTimeoutMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  startupTimeoutMs: 120_000,
};

/**
 * Keeps one service running: `start` resolves once it first answers `healthUrl` (and fails if
 * it exits before: a broken configuration is reported, not retried for ever); after that, a
 * process that exits is started again after a back-off, with a log line for each. `stop`
 * ends it and every restart still planned.
 */
export function supervise(
  name: string,
  spawnService: () => ChildProcess,
  healthUrl: string,
  log: SupervisorLog,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
) {
  let current: ChildProcess | undefined;
  let stopped = false;
  let healthyOnce = false;
  let crashesInARow = 0;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = (): ChildProcess => {
    const child = spawnService();
    const startedAt = Date.now();
    current = child;
    child.once('exit', (code, signal) => {
      if (stopped || child !== current || !healthyOnce) return;
      if (Date.now() - startedAt >= policy.stableAfterMs) crashesInARow = 0;
      const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** crashesInARow);
      crashesInARow += 1;
      const exitedAt = Date.now();
      log.error(`${name} exited unexpectedly; restarting it in ${delay} ms`, {
        service: name,
        pid: child.pid,
        exitCode: code,
        signal,
        restartInMs: delay,
        crashesInARow,
      });
      restartTimer = setTimeout(() => void restart(exitedAt), delay);
    });
    return child;
  };

  const restart = async (exitedAt: number) => {
    if (stopped) return;
    restarts += 1;
    const child = launch();
    try {
      await waitForHealthy(healthUrl, policy.startupTimeoutMs, child);
      log.info(`${name} is back after ${Date.now() - exitedAt} ms`, {
        service: name,
        pid: child.pid,
        restarts,
      });
    } catch (error) {
      // Exited: its exit already planned the next try. Hanging: stopped, which plans it.
      if (!stopped && child.exitCode === null && child.signalCode === null) {
        log.error(`${name} did not become healthy; stopping it to try again`, {
          service: name,
          pid: child.pid,
          reason: String(error),
        });
        await stopProcess(child);
      }
    }
  };

  return {
    async start(): Promise<void> {
      const child = launch();
      log.info(`${name} started`, { service: name, pid: child.pid });
      await waitForHealthy(healthUrl, policy.startupTimeoutMs, child);
      healthyOnce = true;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(restartTimer);
      if (current) await stopProcess(current);
    },
  };
}
