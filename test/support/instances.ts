import { SERVICES, startService, type RunningService, type ServiceModule } from '@coop/common';
import { bpsdmCentralService } from '../../services/bpsdm-central';
import { bpsdmRegionalService } from '../../services/bpsdm-regional';
import { libraryService } from '../../services/library';
import { testStack } from './stack';

export type SubgraphName = 'library' | 'bpsdm-central' | 'bpsdm-regional';

const MODULES: Record<SubgraphName, ServiceModule<unknown>> = {
  library: libraryService as ServiceModule<unknown>,
  'bpsdm-central': bpsdmCentralService as ServiceModule<unknown>,
  'bpsdm-regional': bpsdmRegionalService as ServiceModule<unknown>,
};

/**
 * Sets environment variables for the rest of a test file (services read some of them on every
 * request, such as another subgraph's URL); the returned function puts the old values back.
 */
export function useEnv(env: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** The environment of a subgraph started by a test: the stack's database, its subgraphs. */
export function subgraphEnv(name: SubgraphName): Record<string, string> {
  const stack = testStack();
  return {
    DATABASE_URL: stack.databaseUrls[name],
    EXPOSE_SQL_STATEMENT_COUNT: '1',
    TODAY: '2026-11-25',
    // A subgraph asks another's API (service-client.ts): the stack's, unless told otherwise.
    ...Object.fromEntries(
      SERVICES.map((definition) => [
        definition.urlVariable,
        `${stack.subgraphUrls[definition.name]}/graphql`,
      ]),
    ),
  };
}

/**
 * One more instance of a subgraph, in this process, on a free port: the stack's database
 * (migrated and seeded already), key pair and gateway credential, with the environment as it is
 * now (see `useEnv`, `subgraphEnv`).
 */
export function startSubgraph(name: SubgraphName): Promise<RunningService> {
  return startService(MODULES[name], { port: 0, seedPlan: null });
}
