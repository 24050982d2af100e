import 'reflect-metadata';
import { Client, types } from 'pg';
import { DataSource, type Logger, type MixedList, type QueryRunner } from 'typeorm';
import { databaseUrl, intFromEnv } from './config';

// Calendar dates stay `YYYY-MM-DD` strings (a JS Date would shift them by the time zone);
// counts (bigint) and numerics become numbers: counts here stay far below 2^53.
types.setTypeParser(types.builtins.DATE, (value) => value);
types.setTypeParser(types.builtins.INT8, (value) => Number(value));
types.setTypeParser(types.builtins.NUMERIC, (value) => Number(value));

/**
 * A connection whose statement got no answer within `query_timeout` may still get one later:
 * reused by the pool, it would hand that late answer to the next request. It is closed instead
 * (the server rolls its transaction back) and the pool opens a fresh one.
 */
class BoundedClient extends Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (Client.prototype.query as (...a: any[]) => any).apply(this, args);
    if (result && typeof result.catch === 'function') {
      (result as Promise<unknown>).catch((error: unknown) => {
        if (error instanceof Error && error.message === 'Query read timeout') {
          void this.end().catch(() => undefined);
        }
      });
    }
    return result;
  }
}

/**
 * Counts the SQL statements a service sends. Tests read it (through `/debug/sql-statements`) to
 * prove that the cost of a GraphQL request does not grow with the size of its lists.
 */
export class StatementCounter implements Logger {
  count = 0;
  /** `total`: a counter that also counts this one's statements (the primary's, for a replica). */
  constructor(private readonly total?: StatementCounter) {}
  logQuery(_query: string, _parameters?: unknown[], runner?: QueryRunner): void {
    // Health probes are the orchestrator's, and routing probes the read routing's, not a
    // request's: they would blur the count.
    if ((runner?.data as { healthProbe?: boolean } | undefined)?.healthProbe) return;
    this.count += 1;
    if (this.total) this.total.count += 1;
  }
  logQueryError(error: string | Error, query: string): void {
    // Keep the statement in the log without its parameters: they may hold personal data.
    console.error(
      JSON.stringify({ level: 'error', msg: 'SQL failed', error: String(error), query }),
    );
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    console.log(JSON.stringify({ level: 'info', msg: message }));
  }
  log(): void {}
}

export interface ServiceDataSourceOptions {
  /** PostgreSQL schema the service owns; all its tables live there. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  url?: string;
  counter?: StatementCounter;
  /** A read replica: nothing is installed or migrated there, and it is named so in pg_stat_activity. */
  replica?: boolean;
}

export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url ?? databaseUrl(),
    schema: options.schema,
    entities: options.entities,
    migrations: options.replica ? [] : options.migrations,
    // A standby refuses CREATE EXTENSION; the primary's migrations installed what is needed.
    installExtensions: !options.replica,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['query', 'error', 'migration'],
    logger: options.counter ?? new StatementCounter(),
    extra: {
      max: intFromEnv('DB_POOL_SIZE', 5),
      connectionTimeoutMillis: intFromEnv('DB_CONNECT_TIMEOUT_MS', 5000),
      // No request waits forever on the database: the server cancels a statement after
      // DB_STATEMENT_TIMEOUT_MS, and the client gives up a little later if the server is gone.
      statement_timeout: intFromEnv('DB_STATEMENT_TIMEOUT_MS', 15_000),
      query_timeout: intFromEnv('DB_STATEMENT_TIMEOUT_MS', 15_000) + 5000,
      keepAlive: true,
      Client: BoundedClient,
      idleTimeoutMillis: 30_000,
      application_name: options.replica ? `${options.schema}:replica` : options.schema,
    },
  });
}

/** Creates the service's schema when missing, then applies its pending migrations. */
export async function migrate(dataSource: DataSource, schema: string): Promise<void> {
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await dataSource.runMigrations({ transaction: 'each' });
}

/**
 * Runs one statement on its own connection, not counted as a request's (health and routing
 * probes).
 */
export async function probe<T>(
  dataSource: DataSource,
  sql: string,
  parameters?: unknown[],
): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  runner.data = { healthProbe: true };
  try {
    return (await runner.query(sql, parameters)) as T[];
  } finally {
    await runner.release().catch(() => undefined);
  }
}

/** True when the database answers a trivial query within the timeout. */
export async function databaseIsReachable(
  dataSource: DataSource,
  timeoutMs = 2000,
): Promise<boolean> {
  let runner: QueryRunner | undefined;
  const timeout = new Promise<boolean>((resolve) =>
    setTimeout(() => resolve(false), timeoutMs).unref(),
  );
  const probe = (async () => {
    try {
      runner = dataSource.createQueryRunner();
      runner.data = { healthProbe: true };
      await runner.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await runner?.release().catch(() => undefined);
    }
  })();
  return Promise.race([probe, timeout]);
}

type Queryable = Pick<QueryRunner, 'query'> | Pick<DataSource, 'query'>;

/** PostgreSQL accepts at most 65,535 parameters in one statement. */
const MAX_PARAMETERS = 60_000;

/**
 * Inserts many rows with multi-row `INSERT ... VALUES` statements (thousands of rows each),
 * skipping rows whose key already exists, so seeding twice changes nothing.
 */
export async function insertRows(
  db: Queryable,
  table: string,
  columns: string[],
  rows: unknown[][],
  conflict = 'ON CONFLICT DO NOTHING',
): Promise<void> {
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value) => {
        values.push(value);
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await db.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${conflict}`,
      values,
    );
  }
}
