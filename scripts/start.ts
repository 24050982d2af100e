/**
 * `npm start`: the whole graph in one command. Without DATABASE_URL it first starts an
 * embedded PostgreSQL (PGlite) per service, whose data stays in `.data/pglite`. Then it starts the three
 * subgraphs (each migrates and seeds its own schema) and the gateway, each in its own process.
 * A service that exits once the graph is up is started again after a back-off, while the
 * others keep serving (decision 19); Ctrl-C stops them all.
 */
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
import { DEFAULT_RESTART_POLICY, ROOT, spawnTypeScript, supervise } from './lib/processes';

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

  const policy = { ...DEFAULT_RESTART_POLICY, startupTimeoutMs: STARTUP_TIMEOUT_MS };
  const subgraphs = SERVICES.map((service) =>
    supervise(
      service.name,
      () => spawnTypeScript(`services/${service.name}/index.ts`, serviceEnv(service.name)),
      `http://localhost:${servicePort(service)}/health`,
      log,
      policy,
    ),
  );
  const gateway = supervise(
    'gateway',
    () => spawnTypeScript('gateway/index.ts', env),
    // Liveness: the gateway comes back while a subgraph is still away (partial answers).
    `http://localhost:${gatewayPort()}/livez`,
    log,
    policy,
  );
  const supervised = [...subgraphs, gateway];

  let stopping = false;
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(supervised.map((service) => service.stop()));
    await embedded?.stop();
    log.info('all services stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    await Promise.all(subgraphs.map((subgraph) => subgraph.start()));
    await gateway.start();
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
