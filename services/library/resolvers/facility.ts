import { Facility } from '../entities';
import type { Context } from './context';

export function facilities(_: unknown, __: unknown, { db }: Context) {
  return db.getRepository(Facility).find({ order: { name: 'ASC' } });
}

export const facilityResolvers = {
  __resolveReference: (ref: { id: string }, { loaders }: Context) => loaders.facility.load(ref.id),
};
