/**
 * `npm run disclosures -- [--librarian ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json]`:
 * the disclosure trail (decision 29) of one librarian, or of everyone, over a range of days in
 * Asia/Jakarta (both ends included), from every owner's trail on DATABASE_URL (or the embedded
 * PostgreSQL's data folder), oldest first, for a data-protection officer to hand over.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { intFromEnv, isIsoDate, openDataSource, serviceDefinition } from '@coop/common';
import { startEmbeddedDatabases, type EmbeddedDatabases } from '@coop/common/embedded-postgres';
import { bpsdmCentralService } from '../services/bpsdm-central';
import { bpsdmRegionalService } from '../services/bpsdm-regional';
import { libraryService } from '../services/library';
import { ROOT } from './lib/processes';

interface Disclosure {
  disclosedAt: string;
  owner: string;
  librarianId: string;
  fields: string[];
  subject: string | null;
  role: string | null;
  provinceCode: string | null;
  operation: string | null;
  requestId: string | null;
}

const COLUMNS: (keyof Disclosure)[] = [
  'disclosedAt',
  'owner',
  'librarianId',
  'fields',
  'subject',
  'role',
  'provinceCode',
  'operation',
  'requestId',
];

/** RFC 4180: a value with a quote, comma or line break is quoted, its quotes doubled. */
function csvValue(value: unknown): string {
  const text = value === null ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows: Disclosure[]): string {
  const lines = [
    COLUMNS.join(','),
    ...rows.map((row) => COLUMNS.map((c) => csvValue(row[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run disclosures -- [--librarian ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json]`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      librarian: { type: 'string' },
      from: { type: 'string', default: '2000-01-01' },
      to: { type: 'string', default: '2100-12-31' },
      format: { type: 'string', default: 'csv' },
    },
  });
  if (!isIsoDate(values.from) || !isIsoDate(values.to)) {
    usage('--from and --to are calendar dates');
  }
  if (values.format !== 'csv' && values.format !== 'json') usage('--format is csv or json');
  if (values.librarian && !/^[0-9a-f-]{36}$/i.test(values.librarian)) {
    usage('--librarian is a librarian id (a UUID)');
  }
  let embedded: EmbeddedDatabases | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = path.resolve(ROOT, process.env.EMBEDDED_PG_DIR || '.data/pglite');
    embedded = await startEmbeddedDatabases(dataDir, intFromEnv('EMBEDDED_PG_PORT', 54329));
  }
  const rows: Disclosure[] = [];
  try {
    for (const service of [libraryService, bpsdmCentralService, bpsdmRegionalService]) {
      const db = openDataSource(service, embedded?.urls[service.name]);
      await db.initialize();
      try {
        const { dbSchema } = serviceDefinition(service.name);
        const found: Omit<Disclosure, 'owner'>[] = await db.query(
          `SELECT to_char(disclosed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "disclosedAt",
                  librarian_id::text AS "librarianId", fields, subject, role,
                  province_code AS "provinceCode", operation, request_id AS "requestId"
             FROM "${dbSchema}".disclosure
            WHERE ($1::uuid IS NULL OR librarian_id = $1::uuid)
              AND disclosed_at >= $2::date::timestamp AT TIME ZONE 'Asia/Jakarta'
              AND disclosed_at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Jakarta'
            ORDER BY disclosed_at, id`,
          [values.librarian ?? null, values.from, values.to],
        );
        rows.push(
          ...found.map(({ disclosedAt, ...rest }) => ({
            disclosedAt,
            owner: service.name,
            ...rest,
          })),
        );
      } finally {
        await db.destroy();
      }
    }
  } finally {
    await embedded?.stop();
  }
  rows.sort((a, b) => a.disclosedAt.localeCompare(b.disclosedAt));
  process.stdout.write(
    values.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : toCsv(rows),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
