import { MIN_GROUP_SIZE, mayReadSmallGroup, type Page, type Viewer } from '@coop/common';
import { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Librarian } from './entities';

/** A librarian with the size of its (province, level) group. */
export type GroupedLibrarian = Librarian & { groupSize: number };

export interface LibrarianFilter {
  provinceCode?: string | null;
  level?: string | null;
}

/**
 * The group size comes from the counts the triggers keep (`library.librarian_stats`). A
 * librarian whose group row is missing (counts out of step, until `npm run recount`) counts as
 * a group of one: withheld rather than shown.
 */
const COLUMNS = `l.id, l.nip, l.name, l.category, l.level, l.grade, l.employer,
  l.province_code AS "provinceCode", l.version, coalesce(s.librarians, 1) AS "groupSize"`;
const WITH_GROUP = `library.librarian l LEFT JOIN library.librarian_stats s
  ON s.province_code = l.province_code AND s.level = l.level`;

/** `$1` the province, `$2` the level (null: any), on the columns of alias `a`. */
const filtered = (a: string) =>
  `($1::bpchar IS NULL OR ${a}.province_code = $1::bpchar) AND ($2::text IS NULL OR ${a}.level = $2::text)`;

/**
 * `mayReadSmallGroup` as SQL parameters: `$3` the smallest group the viewer may read in any
 * province, `$4` the province whose groups it may read whatever their size (null: none).
 */
const VISIBLE = `(coalesce(s.librarians, 1) >= $3 OR l.province_code = $4::bpchar)`;
const WITHHELD = `EXISTS (SELECT 1 FROM library.librarian_stats g
  WHERE ${filtered('g')} AND g.librarians < $3 AND g.province_code IS DISTINCT FROM $4::bpchar)`;

function parameters(filter: LibrarianFilter, viewer: Viewer): unknown[] {
  const own =
    viewer.role === 'regional-operator' && viewer.provinceCode ? viewer.provinceCode : null;
  return [
    filter.provinceCode || null,
    filter.level || null,
    viewer.role === 'admin' ? 1 : MIN_GROUP_SIZE,
    own !== null && mayReadSmallGroup(viewer, own, 1) ? own : null,
  ];
}

export interface LibrarianPage {
  /** `limit + 1` rows at most, for `toConnection`. */
  rows: GroupedLibrarian[];
  /** Whether librarians matching the filter were left out as members of small groups. */
  withheld: boolean;
}

/**
 * One page of the librarians `viewer` may see, by name, and whether any matching one was left
 * out: one statement (the flag is joined to the page, so an empty page still carries it).
 */
export async function librarianPage(
  db: Pick<DataSource, 'query'>,
  filter: LibrarianFilter,
  viewer: Viewer,
  page: Page,
): Promise<LibrarianPage> {
  const found: (Partial<GroupedLibrarian> & { withheld: boolean })[] = await db.query(
    `SELECT flag.withheld, page.*
       FROM (SELECT ${WITHHELD} AS withheld) flag
       LEFT JOIN (SELECT ${COLUMNS} FROM ${WITH_GROUP}
                   WHERE ${filtered('l')} AND ${VISIBLE}
                   ORDER BY l.name, l.id LIMIT $5 OFFSET $6) page ON true
      ORDER BY page.name, page.id`,
    [...parameters(filter, viewer), page.limit + 1, page.offset],
  );
  return {
    withheld: found[0]?.withheld ?? false,
    rows: found
      .filter((row) => row.id != null)
      .map(({ withheld: _withheld, ...row }) => row as GroupedLibrarian),
  };
}

/** How many librarians `viewer` may see match the filter. */
export async function librarianCount(
  db: Pick<DataSource, 'query'>,
  filter: LibrarianFilter,
  viewer: Viewer,
): Promise<number> {
  const [row]: { count: number }[] = await db.query(
    `SELECT count(*)::int AS count FROM ${WITH_GROUP} WHERE ${filtered('l')} AND ${VISIBLE}`,
    parameters(filter, viewer),
  );
  return row?.count ?? 0;
}

/** Librarians by id, each with its group size (the by-id loader's one statement). */
export function librariansById(
  db: Pick<DataSource, 'query'>,
  ids: readonly string[],
): Promise<GroupedLibrarian[]> {
  return db.query(`SELECT ${COLUMNS} FROM ${WITH_GROUP} WHERE l.id = ANY($1::uuid[])`, [ids]);
}

/**
 * The refusal of a librarian of a small group for a caller who may not read it, or null. It
 * names neither the province nor the level: they are what is withheld.
 */
export function smallGroupRefusal(
  viewer: Viewer,
  librarian: GroupedLibrarian,
): GraphQLError | null {
  if (mayReadSmallGroup(viewer, librarian.provinceCode, librarian.groupSize)) return null;
  return new GraphQLError(
    `this librarian is in a group of fewer than ${MIN_GROUP_SIZE} librarians of its province and level: only admins and the operator of its province may read it`,
    { extensions: { code: 'FORBIDDEN' } },
  );
}
