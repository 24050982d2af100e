/**
 * `npm start`: the whole graph in one command. Without DATABASE_URL it first starts an
 * embedded PostgreSQL (PGlite) whose data stays in `.data/pglite`. Then it starts the three
 * subgraphs (each migrates and seeds its own schema) and the gateway, each in its own process,
 * and stops them all on Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { gatewayPort, intFromEnv, log, SERVICES, servicePort } from '@coop/common';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@coop/common/embedded-postgres';
import { ROOT, spawnTypeScript, stopProcess, waitForHealthy } from './lib/processes';

const STARTUP_TIMEOUT_MS = intFromEnv('STARTUP_TIMEOUT_MS', 120_000);

async function main() {
  let embedded: EmbeddedPostgres | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.DATABASE_URL) {
    const dataDir = path.resolve(ROOT, env.EMBEDDED_PG_DIR || '.data/pglite');
    embedded = await startEmbeddedPostgres(dataDir, intFromEnv('EMBEDDED_PG_PORT', 54329));
    env.DATABASE_URL = embedded.url;
    log.info(`embedded PostgreSQL ready at ${embedded.url} (data in ${dataDir})`, {
      service: 'database',
    });
  }

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map((child) => stopProcess(child)));
    await embedded?.stop();
    log.info('all services stopped');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  const watch = (name: string, child: ChildProcess) => {
    children.push(child);
    child.once('exit', (code) => {
      if (stopping) return;
      log.error(`${name} exited unexpectedly (code ${code}); stopping the others`);
      void stopAll(1);
    });
    return child;
  };

  try {
    await Promise.all(
      SERVICES.map(async (service) => {
        const child = watch(
          service.name,
          spawnTypeScript(`services/${service.name}/index.ts`, env),
        );
        const port = servicePort(service);
        await waitForHealthy(`http://localhost:${port}/health`, STARTUP_TIMEOUT_MS, child);
      }),
    );
    const gateway = watch('gateway', spawnTypeScript('gateway/index.ts', env));
    await waitForHealthy(`http://localhost:${gatewayPort()}/health`, STARTUP_TIMEOUT_MS, gateway);
  } catch (error) {
    log.error(`start-up failed: ${String(error)}`);
    await stopAll(1);
    return;
  }
  log.info(
    `graph ready: API http://localhost:${gatewayPort()}/graphql, explorer http://localhost:${gatewayPort()}/ (Ctrl-C stops everything)`,
  );
}

void main();
