import { Client } from 'pg';

/** A new, empty database on the server of `serverUrl`, so tests never touch real data. */
export async function createThrowawayDatabase(
  serverUrl: string,
  prefix = 'coop_test',
): Promise<string> {
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
