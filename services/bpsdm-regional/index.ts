// First: with tracing on, http and pg must be patched before anything loads them.
import { startTracing } from '@coop/common/tracing';
import path from 'node:path';
import { runServiceProcess, type ServiceModule } from '@coop/common';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { partitions } from './partitions';
import { persons, policies } from './policies';
import { recountBpsdmRegional } from './recount';
import { resolvers } from './resolvers';
import { seedBpsdmRegional } from './seed';

/** The `bpsdm-regional` subgraph (provincial BPSDM offices): offices, runs, enrolments. */
export const bpsdmRegionalService: ServiceModule<Loaders> = {
  name: 'bpsdm-regional',
  schemaPath: path.join(__dirname, 'schema.graphql'),
  resolvers,
  entities,
  migrations,
  createLoaders,
  policies,
  persons,
  partitions,
  recount: recountBpsdmRegional,
  seed: seedBpsdmRegional,
};

if (require.main === module) {
  startTracing('bpsdm-regional');
  runServiceProcess(bpsdmRegionalService);
}
