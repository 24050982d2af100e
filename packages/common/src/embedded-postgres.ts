import fs from 'node:fs';
import path from 'node:path';
import { SERVICES } from './config';

export interface EmbeddedPostgres {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly) behind a PostgreSQL wire-protocol socket,
 * so the services connect with `pg` as to any server. Data lives in `dataDir` and survives
 * restarts. Meant for a developer machine: production sets DATABASE_URL.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
): Promise<EmbeddedPostgres> {
  fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create({ dataDir: path.resolve(dataDir), extensions: { btree_gist } });
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

export interface EmbeddedDatabases {
  /** DATABASE_URL of each service. */
  urls: Record<string, string>;
  stop: () => Promise<void>;
}

/**
 * One embedded PostgreSQL per service, in `<baseDir>/<schema>` on consecutive ports from
 * `basePort`. One PGlite backend serves all its connections and interleaves the messages of
 * concurrent extended-protocol queries ("unnamed prepared statement does not exist"), so each
 * service gets its own instance and uses a single connection to it (`DB_POOL_SIZE=1`).
 */
export async function startEmbeddedDatabases(
  baseDir: string,
  basePort: number,
): Promise<EmbeddedDatabases> {
  const instances = await Promise.all(
    SERVICES.map(async (service, index) => ({
      name: service.name,
      db: await startEmbeddedPostgres(path.join(baseDir, service.dbSchema), basePort + index),
    })),
  );
  return {
    urls: Object.fromEntries(instances.map(({ name, db }) => [name, db.url])),
    stop: async () => {
      await Promise.all(instances.map(({ db }) => db.stop()));
    },
  };
}
