import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { stopProcess } from '../../scripts/lib/processes';

interface StackHandle {
  child: ChildProcess;
  databaseUrl?: string;
  serverUrl?: string;
  embeddedDir?: string;
  devKeyDir: string;
}

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as Record<string, unknown>).__testStack as StackHandle | undefined;
  if (!handle) return;
  await stopProcess(handle.child);
  if (handle.databaseUrl && handle.serverUrl) {
    const client = new Client({ connectionString: handle.serverUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${new URL(handle.databaseUrl).pathname.slice(1)}`);
    await client.end();
  }
  if (handle.embeddedDir) fs.rmSync(handle.embeddedDir, { recursive: true, force: true });
  fs.rmSync(handle.devKeyDir, { recursive: true, force: true });
}
