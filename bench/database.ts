import { Client } from 'pg';

export const BENCH_DATABASE = 'coop_bench';

/**
 * The database `coop_bench` on DATABASE_URL's server (default: the local PostgreSQL), created
 * on the first run and kept: the large seed is idempotent, so only the first run pays for it.
 * Returns its URL and the server's version.
 */
export async function benchDatabase(): Promise<{ url: string; serverVersion: string }> {
  const server = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      BENCH_DATABASE,
    ]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE ${BENCH_DATABASE}`);
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const url = new URL(server);
    url.pathname = `/${BENCH_DATABASE}`;
    return { url: url.toString(), serverVersion: version.rows[0]!.server_version };
  } finally {
    await client.end();
  }
}
