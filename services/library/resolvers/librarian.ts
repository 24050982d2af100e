import { GraphQLError } from 'graphql';
import { toConnection, toPage, type PageArgs } from '@coop/common';
import { Librarian } from '../entities';
import {
  librarianCount,
  librarianPage,
  smallGroupRefusal,
  type LibrarianFilter,
} from '../librarian-list';
import type { Context } from './context';

/**
 * Librarians matching a filter, by name, one page of them. Those of a small group are left out
 * for a caller who may not read them (their level, grade and employer would single them out),
 * and `withheld` says so.
 */
export async function librarians(
  _: unknown,
  args: PageArgs & { filter?: LibrarianFilter | null },
  { db, loaders, viewer }: Context,
) {
  const page = toPage(args);
  const filter = args.filter ?? {};
  const { rows, withheld } = await librarianPage(db, filter, viewer, page);
  for (const row of rows) loaders.librarian.prime(row.id, row);
  return {
    ...toConnection(rows, page, () => librarianCount(db, filter, viewer)),
    withheld: withheld ? [{ field: 'edges', reason: 'SMALL_GROUP' }] : [],
  };
}

/**
 * A librarian by id, refused (FORBIDDEN) when of a small group the caller may not read; a
 * librarian's own record is never withheld from it.
 */
async function readable(id: string, { loaders, viewer }: Context) {
  const found = await loaders.librarian.load(id);
  const own = viewer.role === 'librarian' && viewer.librarianId === id;
  const refusal = found && !own && smallGroupRefusal(viewer, found);
  if (refusal) throw refusal;
  return found;
}

export function librarian(_: unknown, args: { id: string }, context: Context) {
  return readable(args.id, context);
}

/**
 * `me`: the librarian a `librarian` token names (decision 30); the gateway fetches what the
 * other owners hold about it by its key. Null for an admin, whose token names no librarian.
 */
export async function me(_: unknown, _args: unknown, { loaders, viewer }: Context) {
  return viewer.librarianId ? loaders.librarian.load(viewer.librarianId) : null;
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
  // Other subgraphs' paths to a librarian (an enrolment's participant) follow the same rule.
  __resolveReference: (ref: { id: string }, context: Context) => readable(ref.id, context),
  certifications: (librarian: Librarian, _: unknown, { loaders }: Context) =>
    loaders.certificationsOfLibrarian.load(librarian.id),
};
