import type { DataSource } from 'typeorm';
import type { Loaders } from '../loaders';

export interface Context {
  db: DataSource;
  loaders: Loaders;
}
