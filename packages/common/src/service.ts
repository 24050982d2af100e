import fs from 'node:fs';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import type { DataSource, MixedList } from 'typeorm';
import type { Recount } from './aggregates';
import { serviceDefinition, servicePort, type ServiceDefinition } from './config';
import { createServiceDataSource, migrate, StatementCounter } from './database';
import { createTokenVerifier } from './auth';
import { today } from './dates';
import { startFailure } from './listen';
import { log } from './log';
import { withDeclaredAccess, type PolicyEvaluators } from './access';
import {
  DisclosureCollector,
  type DisclosureContext,
  disclosureTrailPlugin,
  withDisclosures,
  type DisclosedPersons,
} from './disclosures';
import { changeVersionsPlugin, type Partitions } from './change-versions';
import { readRoutingFromEnv } from './read-routing';
import { parseScale, SCALE_PLANS, type ScalePlan } from './seed-plan';
import { startSubgraph, type RunningService } from './subgraph-server';

/** What makes a service: the same shape for all three subgraphs. */
export interface ServiceModule<TLoaders> {
  name: ServiceDefinition['name'];
  /** Absolute path of the service's `schema.graphql`. */
  schemaPath: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resolvers: GraphQLResolverMap<any>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  createLoaders: (db: DataSource) => TLoaders;
  /**
   * The evaluators of the `@policy` names its SDL declares (access.ts); which fields need what
   * is read from the SDL itself.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  policies: PolicyEvaluators<any>;
  /**
   * Whom the personal fields (`@policy`) of each type disclose, for the disclosure trail
   * (disclosures.ts): a type with such fields and no entry fails at startup.
   */
  persons: DisclosedPersons;
  seed: (db: DataSource, plan: ScalePlan, progress?: (message: string) => void) => Promise<void>;
  /** Checks (and repairs) the aggregates the service keeps, against their source rows. */
  recount?: Recount;
  /**
   * What its reads depend on, by partition (change-versions.ts); without it, every write of the
   * service refreshes every cached answer that read it.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  partitions?: Partitions<any>;
}

export function openDataSource(
  module: ServiceModule<unknown>,
  url?: string,
  counter?: StatementCounter,
  replica = false,
) {
  const { dbSchema } = serviceDefinition(module.name);
  return createServiceDataSource({
    url,
    schema: dbSchema,
    entities: module.entities,
    migrations: module.migrations,
    counter,
    replica,
  });
}

/**
 * Seeds a service's schema, recounts its aggregates from the seeded rows, then refreshes the
 * planner's statistics of its tables: after a bulk insert they are stale, and plans built on
 * them can be orders of magnitude off.
 */
export async function seedService(
  module: ServiceModule<unknown>,
  db: DataSource,
  plan: ScalePlan,
  progress?: (message: string) => void,
): Promise<void> {
  await module.seed(db, plan, progress);
  for (const report of (await module.recount?.(db, { repair: true, today: today() })) ?? []) {
    // The triggers keep the aggregates during the seed: a difference here is a bug in them.
    if (report.differences.length > 0) {
      log.warn(`${module.name}: ${report.name} differed from a recount after seeding, repaired`, {
        service: module.name,
        differences: report.differences.length,
      });
    }
  }
  const { dbSchema } = serviceDefinition(module.name);
  const tables: { name: string }[] = await db.query(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [dbSchema],
  );
  for (const { name } of tables) await db.query(`ANALYZE "${dbSchema}"."${name}"`);
}

/** Connects, migrates, optionally seeds, and serves the subgraph. */
export async function startService<TLoaders>(
  module: ServiceModule<TLoaders>,
  options: {
    port?: number;
    seedPlan?: ScalePlan | null;
    /** False only in the bench's side-by-side measurement of its cost (decision 29). */
    disclosureTrail?: boolean;
  } = {},
): Promise<RunningService> {
  const definition = serviceDefinition(module.name);
  const verifyToken = createTokenVerifier();
  const counter = new StatementCounter();
  const db = openDataSource(module, undefined, counter);
  await db.initialize();
  await migrate(db, definition.dbSchema);
  if (options.seedPlan) await seedService(module, db, options.seedPlan);
  // Migrations and the seed ran on the primary; with DATABASE_READ_URL, queries read the replica.
  const reads = readRoutingFromEnv({
    primary: db,
    openReplica: (url, replicaCounter) => openDataSource(module, url, replicaCounter, true),
    counter,
    service: module.name,
  });
  await reads?.firstConnection;
  const typeDefs = parse(fs.readFileSync(module.schemaPath, 'utf8'));
  const trail = options.disclosureTrail ?? true;
  return startSubgraph(
    {
      name: module.name,
      typeDefs,
      resolvers: (trail
        ? withDisclosures(
            withDeclaredAccess(module.resolvers as never, typeDefs, module.policies, module.name),
            typeDefs,
            module.persons,
            module.name,
          )
        : withDeclaredAccess(
            module.resolvers as never,
            typeDefs,
            module.policies,
            module.name,
          )) as typeof module.resolvers,
      dataSource: db,
      counter,
      context: async (authorization) => ({
        db,
        authorization,
        viewer: await verifyToken(authorization),
        loaders: module.createLoaders(db),
        disclosures: trail ? new DisclosureCollector() : undefined,
      }),
      plugins: [
        ...(reads
          ? [
              reads.plugin<{ db: DataSource; loaders: TLoaders }>((context, replica) => {
                context.db = replica;
                context.loaders = module.createLoaders(replica);
              }),
            ]
          : []),
        changeVersionsPlugin(module.partitions),
        // On the primary, whatever the request read from.
        ...(trail
          ? [
              disclosureTrailPlugin<{ db: DataSource; loaders: TLoaders } & DisclosureContext>(
                db,
                definition.dbSchema,
                module.name,
              ),
            ]
          : []),
      ],
      router: reads?.debugRouter(),
      close: reads?.close,
    },
    options.port ?? servicePort(definition),
  );
}

/**
 * Entry point of a service process: `SEED_ON_START` (default `small`; `none` to skip) chooses
 * the seed applied after migrations. Stops cleanly on SIGINT and SIGTERM.
 */
export function runServiceProcess<TLoaders>(module: ServiceModule<TLoaders>): void {
  const seedSetting = process.env.SEED_ON_START ?? 'small';
  const seedPlan = seedSetting === 'none' ? null : SCALE_PLANS[parseScale(seedSetting)];
  startService(module, { seedPlan })
    .then((running) => {
      let stopping = false;
      // Ctrl-C reaches every process of the terminal's group, and `npm start` also forwards
      // SIGTERM: the first signal stops the service, later ones are ignored.
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${module.name} stopping on ${signal}`, { service: module.name });
        await running.stop();
        log.info(`${module.name} stopped`, { service: module.name });
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    })
    .catch((error: unknown) => {
      const { msg, error: reason } = startFailure(
        error,
        serviceDefinition(module.name).portVariable,
      );
      log.error(`${module.name}: ${msg}`, { service: module.name, error: reason });
      process.exit(1);
    });
}
