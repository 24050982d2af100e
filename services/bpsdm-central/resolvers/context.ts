import type { Viewer } from '@coop/common';
import type { DataSource } from 'typeorm';
import type { Loaders } from '../loaders';

export interface Context {
  db: DataSource;
  loaders: Loaders;
  /** Who is asking, from the verified token. */
  viewer: Viewer;
  /** The request's Authorization header, passed on when asking another subgraph. */
  authorization: string | undefined;
}
