import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Router } from 'express';
import type { DataSource } from 'typeorm';
import { intFromEnv } from './config';
import { probe, StatementCounter } from './database';
import { log } from './log';

/**
 * Reads on a streaming replica (docs/decisions/0017-read-replicas.md). With
 * `DATABASE_READ_URL` set, a query operation is served by the replica once the replica has
 * replayed everything the primary had written when the operation began, so nobody reads
 * older data than before their own write (nor than what the response cache was told about).
 * A mutation, with everything it reads, stays on the primary, and so does a read the replica
 * cannot serve within `DATABASE_READ_MAX_WAIT_MS`, or at all.
 */
export interface ReadRouting {
  /** Settles after the first attempt to connect to the replica, successful or not. */
  firstConnection: Promise<void>;
  /** Where a read-only operation beginning now is served from. */
  forRead(): Promise<DataSource>;
  /**
   * Gives a query operation the replica's data source: `rebind` puts it (and whatever is built
   * on it, such as DataLoaders) into the request's context before any resolver runs.
   */
  plugin<TContext extends BaseContext>(
    rebind: (context: TContext, db: DataSource) => void,
  ): ApolloServerPlugin<TContext>;
  /** `GET /debug/read-routing` when `EXPOSE_SQL_STATEMENT_COUNT=1`, else nothing. */
  debugRouter(): Router;
  close(): Promise<void>;
}

export interface ReadRoutingOptions {
  primary: DataSource;
  /** Opens a data source on the replica's URL, counting its statements with `counter`. */
  openReplica: (url: string, counter: StatementCounter) => DataSource;
  /** The primary's counter: it also counts the replica's statements (total per service). */
  counter: StatementCounter;
  url?: string;
  maxWaitMs?: number;
  service: string;
}

/** Undefined without `DATABASE_READ_URL`: every statement then goes to the primary, as before. */
export function readRoutingFromEnv(
  options: Omit<ReadRoutingOptions, 'url' | 'maxWaitMs'>,
): ReadRouting | undefined {
  const url = process.env.DATABASE_READ_URL;
  if (!url) return undefined;
  return readRouting({ ...options, url, maxWaitMs: intFromEnv('DATABASE_READ_MAX_WAIT_MS', 20) });
}

const POLL_MS = 2;
const RECONNECT_MS = 5000;

export function readRouting(options: ReadRoutingOptions): ReadRouting {
  const { primary } = options;
  const maxWaitMs = options.maxWaitMs ?? 20;
  const replicaCounter = new StatementCounter(options.counter);
  const replica = options.openReplica(options.url!, replicaCounter);
  const served = { replica: 0, primary: 0 };
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let replicaFailing = false;
  // After a failure the replica is left alone for a while: reads should not each wait for a
  // connection attempt to a server that is away.
  let avoidReplicaUntil = 0;

  // The replica is optional: a service starts (and serves every read from the primary) while
  // it cannot be reached, and connects when it can.
  const connect = async () => {
    try {
      await replica.initialize();
      log.info(`${options.service}: reads go to the replica`, { service: options.service });
    } catch (error) {
      log.warn(`${options.service}: replica unreachable, reads go to the primary`, {
        service: options.service,
        reason: String(error),
      });
      if (!closed) retry = setTimeout(() => void connect(), RECONNECT_MS).unref();
    }
  };
  const firstConnection = connect();

  const primaryPosition = async () =>
    (await probe<{ lsn: string }>(primary, 'SELECT pg_current_wal_insert_lsn()::text AS lsn'))[0]!
      .lsn;
  // A replica that is no standby (promoted, or the primary itself) has all it ever will.
  const caughtUp = async (lsn: string) =>
    (
      await probe<{ caught_up: boolean }>(
        replica,
        `SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up`,
        [lsn],
      )
    )[0]!.caught_up === true;

  async function forRead(): Promise<DataSource> {
    if (!replica.isInitialized || Date.now() < avoidReplicaUntil) {
      served.primary += 1;
      return primary;
    }
    try {
      const lsn = await primaryPosition();
      const deadline = Date.now() + maxWaitMs;
      for (;;) {
        if (await caughtUp(lsn)) {
          if (replicaFailing) {
            log.info(`${options.service}: replica answers again`, { service: options.service });
          }
          replicaFailing = false;
          served.replica += 1;
          return replica;
        }
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (error) {
      if (!replicaFailing) {
        log.warn(`${options.service}: read routing failed, reads go to the primary`, {
          service: options.service,
          reason: String(error),
        });
      }
      replicaFailing = true;
      avoidReplicaUntil = Date.now() + RECONNECT_MS;
    }
    served.primary += 1;
    return primary;
  }

  return {
    firstConnection,
    forRead,
    plugin<TContext extends BaseContext>(
      rebind: (context: TContext, db: DataSource) => void,
    ): ApolloServerPlugin<TContext> {
      return {
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              if (operation?.operation !== 'query') return;
              const db = await forRead();
              if (db !== primary) rebind(contextValue, db);
            },
          };
        },
      };
    },
    debugRouter() {
      const router = Router();
      if (process.env.EXPOSE_SQL_STATEMENT_COUNT !== '1') return router;
      router.get('/debug/read-routing', async (_req, res) => {
        const [row] = replica.isInitialized
          ? await probe<{ in_recovery: boolean }>(
              replica,
              'SELECT pg_is_in_recovery() AS in_recovery',
            ).catch(() => [])
          : [];
        res.json({
          readsServedBy: served,
          replicaStatements: replicaCounter.count,
          replicaInRecovery: row?.in_recovery ?? null,
        });
      });
      return router;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      if (replica.isInitialized) await replica.destroy();
    },
  };
}
