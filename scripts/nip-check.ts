/**
 * `npm run nip-check`: lists the librarians on DATABASE_URL (or the embedded PostgreSQL's data
 * folder) whose stored NIP fails the structure check (decision 28), by id, province and the part
 * that is wrong, and exits with 1 when there is any. It changes nothing: a NIP is corrected by a
 * person who has the civil servant's records.
 */
import path from 'node:path';
import { intFromEnv, openDataSource, today } from '@coop/common';
import { startEmbeddedDatabases, type EmbeddedDatabases } from '@coop/common/embedded-postgres';
import { libraryService } from '../services/library';
import { invalidNips } from '../services/library/nip-report';
import { ROOT } from './lib/processes';

async function main(): Promise<number> {
  let embedded: EmbeddedDatabases | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = path.resolve(ROOT, process.env.EMBEDDED_PG_DIR || '.data/pglite');
    embedded = await startEmbeddedDatabases(dataDir, intFromEnv('EMBEDDED_PG_PORT', 54329));
  }
  try {
    const db = openDataSource(libraryService, embedded?.urls[libraryService.name]);
    await db.initialize();
    try {
      const found = await invalidNips(db, today());
      for (const row of found) {
        console.log(
          `librarian ${row.librarianId} (province ${row.provinceCode}): nip ${row.problem}`,
        );
      }
      console.log(
        `${found.length} librarian${found.length === 1 ? '' : 's'} with a NIP whose structure does not hold`,
      );
      return found.length ? 1 : 0;
    } finally {
      await db.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
