import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../scripts/lib/processes';

const run = promisify(execFile);

/** A hot standby of a PostgreSQL server, streaming from it, on a port of its own. */
export interface StreamingReplica {
  port: number;
  /** `databaseUrl` (a database of the primary) as served by the standby. */
  urlOf(databaseUrl: string): string;
  /** Stops applying what the primary sends (it still receives it), and starts again. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has applied everything the primary had written when called. */
  catchUp(): Promise<void>;
  stop(): Promise<void>;
}

async function ask<T>(url: string, sql: string): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T;
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL refuses to run as root: as root, the standby's commands run as the `postgres`
 * user, who then owns its folder.
 */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
}

/**
 * Makes a hot standby of the server `primaryUrl` points to, on this machine: a base backup
 * (`pg_basebackup -R`: the whole cluster, streamed, with what the standby needs to follow the
 * primary) into a temporary folder, started with `pg_ctl` on a free port with configuration
 * files of its own. The server must allow replication connections from 127.0.0.1 (.ci/run adds
 * the pg_hba.conf line). Everything is removed by `stop`.
 */
export async function startStreamingReplica(primaryUrl: string): Promise<StreamingReplica> {
  const settings = await ask<Record<string, string>>(
    primaryUrl,
    `SELECT current_setting('server_version_num')::int / 10000 AS major,
            current_setting('max_connections') AS max_connections,
            current_setting('max_worker_processes') AS max_worker_processes,
            current_setting('max_wal_senders') AS max_wal_senders,
            current_setting('max_prepared_transactions') AS max_prepared_transactions,
            current_setting('max_locks_per_transaction') AS max_locks_per_transaction`,
  );
  const bin = `/usr/lib/postgresql/${settings.major}/bin`;
  const primary = new URL(primaryUrl);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-replica-'));
  if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const exec = (command: string, args: string[]) =>
    run(...asServerUser(path.join(bin, command), args));
  let started = false;
  const stop = async () => {
    if (started) {
      await exec('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    try {
      await exec('pg_basebackup', [
        '-h',
        primary.hostname,
        '-p',
        primary.port || '5432',
        '-U',
        decodeURIComponent(primary.username) || 'postgres',
        '-D',
        data,
        '-R',
        '-X',
        'stream',
        '--checkpoint=fast',
        '--no-sync',
      ]);
    } catch (error) {
      throw new Error(
        `pg_basebackup failed: the server must allow replication connections from this machine ` +
          `(pg_hba.conf: "host replication all 127.0.0.1/32 trust", as .ci/run adds). ${String(error)}`,
      );
    }
    // The backup holds the primary's data folder; on Debian its configuration lives elsewhere.
    fs.writeFileSync(
      path.join(dir, 'pg_hba.conf'),
      'local all all trust\nhost all all 127.0.0.1/32 trust\n',
    );
    fs.writeFileSync(path.join(dir, 'pg_ident.conf'), '');
    const conf = path.join(data, 'postgresql.conf');
    if (!fs.existsSync(conf)) fs.writeFileSync(conf, '');
    // A hot standby needs these at least as large as the primary's.
    const options = [
      `port=${port}`,
      `listen_addresses=127.0.0.1`,
      `unix_socket_directories=${dir}`,
      `hba_file=${path.join(dir, 'pg_hba.conf')}`,
      `ident_file=${path.join(dir, 'pg_ident.conf')}`,
      'hot_standby=on',
      'shared_buffers=32MB',
      'fsync=off',
      'ssl=off',
      `max_connections=${settings.max_connections}`,
      `max_worker_processes=${settings.max_worker_processes}`,
      `max_wal_senders=${settings.max_wal_senders}`,
      `max_prepared_transactions=${settings.max_prepared_transactions}`,
      `max_locks_per_transaction=${settings.max_locks_per_transaction}`,
    ]
      .map((option) => `-c ${option}`)
      .join(' ');
    if (process.getuid?.() === 0) await run('chown', ['-R', 'postgres:postgres', dir]);
    await exec('pg_ctl', [
      'start',
      '-D',
      data,
      '-w',
      '-t',
      '60',
      '-l',
      path.join(dir, 'log'),
      '-o',
      options,
    ]);
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }
  const urlOf = (databaseUrl: string) => {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  };
  const admin = urlOf(primaryUrl);
  const inRecovery = await ask<{ r: boolean }>(admin, 'SELECT pg_is_in_recovery() AS r');
  if (!inRecovery.r) {
    await stop();
    throw new Error('the copy of the server is not a standby');
  }
  const catchUp = async () => {
    const { lsn } = await ask<{ lsn: string }>(
      primaryUrl,
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { done } = await ask<{ done: boolean }>(
        admin,
        `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`,
      );
      if (done) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the standby did not reach ${lsn} within 60 s`);
  };
  return {
    port,
    urlOf,
    catchUp,
    pauseReplay: async () => void (await ask(admin, 'SELECT pg_wal_replay_pause()')),
    resumeReplay: async () => void (await ask(admin, 'SELECT pg_wal_replay_resume()')),
    stop,
  };
}
