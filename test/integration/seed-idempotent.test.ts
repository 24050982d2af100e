import { openDataSource, SCALE_PLANS, serviceDefinition } from '@coop/common';
import type { DataSource } from 'typeorm';
import { bpsdmCentralService } from '../../services/bpsdm-central';
import { bpsdmRegionalService } from '../../services/bpsdm-regional';
import { libraryService } from '../../services/library';
import { testStack } from '../support/stack';

async function rowCounts(db: DataSource, schema: string): Promise<Record<string, number>> {
  const tables: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
    [schema],
  );
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    const [row] = await db.query(`SELECT count(*) AS n FROM "${schema}"."${table}"`);
    counts[table] = row.n;
  }
  return counts;
}

describe('seeding', () => {
  it.each([libraryService, bpsdmCentralService, bpsdmRegionalService])(
    'adds nothing when it runs again on seeded data ($name)',
    async (service) => {
      const { dbSchema } = serviceDefinition(service.name);
      const db = openDataSource(service, testStack().databaseUrls[service.name]);
      await db.initialize();
      try {
        const before = await rowCounts(db, dbSchema);
        expect(Object.values(before).some((count) => count > 0)).toBe(true);
        await service.seed(db, SCALE_PLANS[testStack().seedScale]);
        expect(await rowCounts(db, dbSchema)).toEqual(before);
      } finally {
        await db.destroy();
      }
    },
  );
});
