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

export function librarianByNip(_: unknown, args: { nip: string }, { db }: Context) {
  return db.getRepository(Librarian).findOneBy({ nip: args.nip });
}

export const librarianResolvers = {
  __resolveReference: (ref: { id: string }, { loaders }: Context) => loaders.librarian.load(ref.id),
  certifications: (librarian: Librarian, _: unknown, { loaders }: Context) =>
    loaders.certificationsOfLibrarian.load(librarian.id),
};
