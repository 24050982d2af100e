/**
 * `npm run seed -- --scale small|large`: migrates and seeds every service's schema on
 * DATABASE_URL (or the embedded PostgreSQL's data folder when DATABASE_URL is unset).
 * Deterministic and idempotent: running it twice adds nothing.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  intFromEnv,
  migrate,
  openDataSource,
  parseScale,
  SCALE_PLANS,
  seedService,
  serviceDefinition,
} from '@coop/common';
import { startEmbeddedDatabases, type EmbeddedDatabases } from '@coop/common/embedded-postgres';
import { bpsdmCentralService } from '../services/bpsdm-central';
import { bpsdmRegionalService } from '../services/bpsdm-regional';
import { libraryService } from '../services/library';
import { ROOT } from './lib/processes';

async function main() {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' } } });
  const scale = parseScale(values.scale);
  const plan = SCALE_PLANS[scale];
  let embedded: EmbeddedDatabases | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = path.resolve(ROOT, process.env.EMBEDDED_PG_DIR || '.data/pglite');
    embedded = await startEmbeddedDatabases(dataDir, intFromEnv('EMBEDDED_PG_PORT', 54329));
  }
  const started = Date.now();
  const progress = (message: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
  progress(`seeding the ${scale} plan: ${JSON.stringify(plan)}`);
  try {
    for (const service of [libraryService, bpsdmCentralService, bpsdmRegionalService]) {
      const db = openDataSource(service, embedded?.urls[service.name]);
      await db.initialize();
      try {
        await migrate(db, serviceDefinition(service.name).dbSchema);
        await seedService(service, db, plan, progress);
      } finally {
        await db.destroy();
      }
    }
    progress('done');
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
