// First: with tracing on, http and pg must be patched before anything loads them.
import { startTracing } from '@coop/common/tracing';
import path from 'node:path';
import { runServiceProcess, type ServiceModule } from '@coop/common';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { persons, policies } from './policies';
import { recountLibrary } from './recount';
import { resolvers } from './resolvers';
import { seedLibrary } from './seed';

/** The `library` subgraph (Perpusnas): agreements, librarians, certification, facilities, IT initiatives. */
export const libraryService: ServiceModule<Loaders> = {
  name: 'library',
  schemaPath: path.join(__dirname, 'schema.graphql'),
  resolvers,
  entities,
  migrations,
  createLoaders,
  policies,
  persons,
  recount: recountLibrary,
  seed: seedLibrary,
};

if (require.main === module) {
  startTracing('library');
  runServiceProcess(libraryService);
}
