import { GraphQLError } from 'graphql';
import { toConnection, toPage, type PageArgs } from '@coop/common';
import { Librarian } from '../entities';
import type { Context } from './context';

interface LibrarianFilter {
  provinceCode?: string | null;
  level?: string | null;
}

/** Librarians matching a filter, by name, one page of them. */
export async function librarians(
  _: unknown,
  args: PageArgs & { filter?: LibrarianFilter | null },
  { db, loaders }: Context,
) {
  const page = toPage(args);
  const filter = args.filter ?? {};
  const query = db.getRepository(Librarian).createQueryBuilder('l');
  if (filter.provinceCode) {
    query.andWhere('l.province_code = :provinceCode', { provinceCode: filter.provinceCode });
  }
  if (filter.level) query.andWhere('l.level = :level', { level: filter.level });
  const rows = await query
    .clone()
    .orderBy('l.name')
    .addOrderBy('l.id')
    .limit(page.limit + 1)
    .offset(page.offset)
    .getMany();
  for (const row of rows) loaders.librarian.prime(row.id, row);
  return toConnection(rows, page, () => query.getCount());
}

export function librarian(_: unknown, args: { id: string }, { loaders }: Context) {
  return loaders.librarian.load(args.id);
}

/**
 * `librarianByNip(nip)`: admins (null when no librarian has it), and regional operators for
 * their own province's librarians (decision 13). For an operator, a NIP of another province
 * and a NIP nobody has get the same refusal, so the lookup confirms no NIP outside its reach;
 * other roles are refused by the policy before any lookup. The gateway allows one per
 * operation and bounds them per caller.
 */
export async function librarianByNip(_: unknown, args: { nip: string }, { db, viewer }: Context) {
  const found = await db.getRepository(Librarian).findOneBy({ nip: args.nip });
  if (viewer.role === 'admin') return found;
  if (found && viewer.role === 'regional-operator' && found.provinceCode === viewer.provinceCode) {
    return found;
  }
  throw new GraphQLError(
    'librarianByNip answers only for a librarian of your province: no such librarian you may read',
    { extensions: { code: 'FORBIDDEN' } },
  );
}

export const librarianResolvers = {
  __resolveReference: (ref: { id: string }, { loaders }: Context) => loaders.librarian.load(ref.id),
  certifications: (librarian: Librarian, _: unknown, { loaders }: Context) =>
    loaders.certificationsOfLibrarian.load(librarian.id),
};
