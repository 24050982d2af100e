/**
 * `npm start`: the whole graph in one command. Without DATABASE_URL it first starts an
 * embedded PostgreSQL (PGlite) per service, whose data stays in `.data/pglite`. Then it starts the three
 * subgraphs (each migrates and seeds its own schema) and the gateway, each in its own process,
 * and stops them all on Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  authConfig,
  ensureDevKeys,
  gatewayPort,
  intFromEnv,
  log,
  SERVICES,
  servicePort,
  usesDevKeys,
} from '@coop/common';
import { startEmbeddedDatabases, type EmbeddedDatabases } from '@coop/common/embedded-postgres';
import { ROOT, spawnTypeScript, stopProcess, waitForHealthy } from './lib/processes';

const STARTUP_TIMEOUT_MS = intFromEnv('STARTUP_TIMEOUT_MS', 120_000);

async function main() {
  let embedded: EmbeddedDatabases | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.DATABASE_URL) {
    const dataDir = path.resolve(ROOT, env.EMBEDDED_PG_DIR || '.data/pglite');
    embedded = await startEmbeddedDatabases(dataDir, intFromEnv('EMBEDDED_PG_PORT', 54329));
    log.info(`embedded PostgreSQL ready (data in ${dataDir})`, {
      service: 'database',
      urls: embedded.urls,
    });
  }
  // Only the gateway may ask the subgraphs: without a configured secret, one for this start.
  env.SUBGRAPH_SECRET ||= randomBytes(32).toString('base64url');
  const auth = authConfig();
  if (usesDevKeys(auth)) {
    await ensureDevKeys(auth.devKeyDir);
    log.info(`development token keys in ${auth.devKeyDir}: \`npm run token -- --role admin\``);
  }
  const serviceEnv = (name: string): NodeJS.ProcessEnv =>
    embedded ? { ...env, DATABASE_URL: embedded.urls[name], DB_POOL_SIZE: '1' } : env;

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
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
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
          spawnTypeScript(`services/${service.name}/index.ts`, serviceEnv(service.name)),
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
