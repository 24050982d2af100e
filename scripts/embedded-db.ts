/**
 * One embedded PostgreSQL (PGlite) in its own process, for tests that stop and restart a
 * database under a running service (PGlite cannot be loaded inside jest).
 *
 *   EMBEDDED_PG_DIR=<data dir> EMBEDDED_PG_PORT=<port> tsx scripts/embedded-db.ts
 *
 * Prints `embedded-db ready <url>` once it accepts connections; stops cleanly on SIGTERM or
 * SIGINT. Its data stays in the folder, so a restart on the same folder keeps every commit.
 */
import { intFromEnv } from '@coop/common';
import { startEmbeddedPostgres } from '@coop/common/embedded-postgres';

async function main() {
  const dataDir = process.env.EMBEDDED_PG_DIR;
  const port = intFromEnv('EMBEDDED_PG_PORT', 0);
  if (!dataDir || port === 0) {
    throw new Error('set EMBEDDED_PG_DIR and EMBEDDED_PG_PORT');
  }
  const db = await startEmbeddedPostgres(dataDir, port);
  console.log(`embedded-db ready ${db.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await db.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`embedded-db failed: ${String(error)}`);
  process.exit(1);
});
