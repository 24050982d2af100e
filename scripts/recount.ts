/**
 * `npm run recount`: recounts every aggregate the services keep (training counts per office and
 * year, librarian counts per province and level) from their source rows on DATABASE_URL (or the
 * embedded PostgreSQL's data folder), reports each row that differs and repairs it.
 * `npm run recount -- --check` only reports, and exits with 1 when anything differs.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  intFromEnv,
  openDataSource,
  recountSummary,
  today,
  type AggregateReport,
} from '@coop/common';
import { startEmbeddedDatabases, type EmbeddedDatabases } from '@coop/common/embedded-postgres';
import { bpsdmCentralService } from '../services/bpsdm-central';
import { bpsdmRegionalService } from '../services/bpsdm-regional';
import { libraryService } from '../services/library';
import { ROOT } from './lib/processes';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const repair = !values.check;
  let embedded: EmbeddedDatabases | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = path.resolve(ROOT, process.env.EMBEDDED_PG_DIR || '.data/pglite');
    embedded = await startEmbeddedDatabases(dataDir, intFromEnv('EMBEDDED_PG_PORT', 54329));
  }
  const reports: AggregateReport[] = [];
  try {
    for (const service of [libraryService, bpsdmCentralService, bpsdmRegionalService]) {
      if (!service.recount) continue;
      const db = openDataSource(service, embedded?.urls[service.name]);
      await db.initialize();
      try {
        reports.push(...(await service.recount(db, { repair, today: today() })));
      } finally {
        await db.destroy();
      }
    }
  } finally {
    await embedded?.stop();
  }
  const { lines, exitCode } = recountSummary(reports, repair);
  for (const line of lines) console.log(line);
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
