import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// globalSetup runs outside jest's module mapping: import the shared kit by path.
import { SERVICES } from '../../packages/common/src/config';
import { freePort, ROOT, spawnTypeScript, waitForHealthy } from '../../scripts/lib/processes';
import { createThrowawayDatabase } from './databases';
import type { TestStack } from './stack';

/**
 * Starts the whole graph once for the integration tests, exactly as `npm start` does, on free
 * ports: against a throwaway database on DATABASE_URL's server when it is set, otherwise on a
 * fresh embedded PostgreSQL.
 */
export default async function globalSetup(): Promise<void> {
  const [gateway, library, central, regional, embeddedPort] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const databaseUrl = process.env.DATABASE_URL
    ? await createThrowawayDatabase(process.env.DATABASE_URL)
    : undefined;
  const embeddedDir = databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'coop-pg-'));
  // A key pair of the tests' own: `npm start` creates it there, the tests sign tokens with it.
  const devKeyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-keys-'));
  // Gateways the tests start in their own process verify tokens with the same key.
  process.env.AUTH_DEV_KEY_DIR = devKeyDir;
  // The large seed (20,000 librarians, 100,000 enrolments) on a real server; the small one on
  // the embedded database, which is correct but slow at bulk loads.
  const seedScale = process.env.TEST_SEED_SCALE || (databaseUrl ? 'large' : 'small');
  // The gateway's credential, known to the tests (and to the gateways they start themselves)
  // so that they can also ask a subgraph as the gateway does.
  process.env.SUBGRAPH_SECRET = randomBytes(32).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl ?? '',
    EMBEDDED_PG_DIR: embeddedDir,
    EMBEDDED_PG_PORT: String(embeddedPort),
    GATEWAY_PORT: String(gateway),
    LIBRARY_PORT: String(library),
    BPSDM_CENTRAL_PORT: String(central),
    BPSDM_REGIONAL_PORT: String(regional),
    LIBRARY_URL: '',
    BPSDM_CENTRAL_URL: '',
    BPSDM_REGIONAL_URL: '',
    EXPOSE_SQL_STATEMENT_COUNT: '1',
    // A small heap: a leak shows as a crash, and the collector runs often enough for the
    // fuzz test to see memory come back.
    NODE_OPTIONS: '--max-old-space-size=384',
    AUTH_DEV_KEY_DIR: devKeyDir,
    AUTH_JWKS_URL: '',
    AUTH_PUBLIC_KEY: '',
    SEED_ON_START: seedScale,
    TODAY: '2026-11-25',
    // Tests send bursts of concurrent writes (50 enrolments at once) with one token, and every
    // anonymous request of the suite comes from this one address: generous limits here; the
    // defaults are tested on gateways of their own (caller-flood.test.ts).
    CALLER_MAX_IN_FLIGHT: process.env.CALLER_MAX_IN_FLIGHT || '100',
    CALLER_MAX_IN_FLIGHT_ANONYMOUS: process.env.CALLER_MAX_IN_FLIGHT_ANONYMOUS || '100',
    CALLER_COST_PER_MINUTE_ANONYMOUS: process.env.CALLER_COST_PER_MINUTE_ANONYMOUS || '50000000',
  };
  fs.mkdirSync(path.join(ROOT, '.data'), { recursive: true });
  // One log per run: runs side by side (two developers, or CI and a developer) keep theirs.
  const logFile = path.join(ROOT, '.data', `test-stack-${process.pid}.log`);
  const logStream = fs.createWriteStream(logFile);
  const child = spawnTypeScript('scripts/start.ts', env, 'pipe');
  child.stdout?.pipe(logStream);
  child.stderr?.pipe(logStream);
  try {
    await waitForHealthy(`http://localhost:${gateway}/health`, 180_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`The test graph did not start (log in ${logFile}): ${String(error)}`);
  }

  const stack: TestStack = {
    gatewayUrl: `http://localhost:${gateway}/graphql`,
    subgraphUrls: {
      library: `http://localhost:${library}`,
      'bpsdm-central': `http://localhost:${central}`,
      'bpsdm-regional': `http://localhost:${regional}`,
    },
    devKeyDir,
    logFile,
    subgraphSecret: process.env.SUBGRAPH_SECRET,
    seedScale: seedScale === 'large' ? 'large' : 'small',
    databaseUrls: Object.fromEntries(
      SERVICES.map((service, index) => [
        service.name,
        databaseUrl ?? `postgres://postgres@127.0.0.1:${embeddedPort! + index}/postgres`,
      ]),
    ) as TestStack['databaseUrls'],
  };
  process.env.TEST_STACK = JSON.stringify(stack);
  (globalThis as Record<string, unknown>).__testStack = {
    child,
    databaseUrl,
    serverUrl: process.env.DATABASE_URL,
    embeddedDir,
    devKeyDir,
  };
}
