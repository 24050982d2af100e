import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ROOT } from '../scripts/lib/processes';

export const BENCH_DATABASE = 'coop_bench';

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `url` with its database replaced by `database`. */
function onDatabase(url: string, database: string): string {
  const changed = new URL(url);
  changed.pathname = `/${database}`;
  return changed.toString();
}

/**
 * The database `coop_bench` on DATABASE_URL's server (default: the local PostgreSQL), created
 * on the first run and kept: the large seed is idempotent, so only the first run pays for it.
 * Returns its URL and the server's version.
 */
export async function benchDatabase(): Promise<{ url: string; serverVersion: string }> {
  const server = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  return withClient(server, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      BENCH_DATABASE,
    ]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE ${BENCH_DATABASE}`);
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    return {
      url: onDatabase(server, BENCH_DATABASE),
      serverVersion: version.rows[0]!.server_version,
    };
  });
}

const execFileAsync = promisify(execFile);

/** Migrates and seeds `url` with the large seed (idempotent: quick once it is there). */
export async function seedLarge(url: string): Promise<void> {
  await execFileAsync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts', 'seed.ts'), '--scale', 'large'],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: url } },
  );
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A copy of `coop_bench` (PostgreSQL's template copy: seconds) for a run that writes, so that
 * its writes never change what later runs of either bench read. PostgreSQL copies only a
 * template nobody is connected to: it fails while another bench uses `coop_bench`.
 */
export async function scratchCopyOfBenchDatabase(benchUrl: string): Promise<ScratchDatabase> {
  const name = `${BENCH_DATABASE}_scratch_${process.pid}`;
  const server = onDatabase(benchUrl, 'postgres');
  const run = (statement: string) => withClient(server, (client) => client.query(statement));
  await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    await run(`CREATE DATABASE ${name} TEMPLATE ${BENCH_DATABASE}`);
  } catch (error) {
    throw new Error(`copying ${BENCH_DATABASE} failed (another bench using it?): ${String(error)}`);
  }
  return {
    name,
    url: onDatabase(benchUrl, name),
    drop: async () => {
      await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
