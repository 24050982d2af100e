// First: with tracing on, http and pg must be patched before anything loads them.
import { startTracing } from '@coop/common/tracing';
import path from 'node:path';
import { runServiceProcess, type ServiceModule } from '@coop/common';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { persons, policies } from './policies';
import { resolvers } from './resolvers';
import { seedBpsdmCentral } from './seed';

/** The `bpsdm-central` subgraph (BPSDM Kemendagri): the national training catalogue. */
export const bpsdmCentralService: ServiceModule<Loaders> = {
  name: 'bpsdm-central',
  schemaPath: path.join(__dirname, 'schema.graphql'),
  resolvers,
  entities,
  migrations,
  createLoaders,
  policies,
  persons,
  seed: seedBpsdmCentral,
};

if (require.main === module) {
  startTracing('bpsdm-central');
  runServiceProcess(bpsdmCentralService);
}
