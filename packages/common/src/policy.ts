import type { PolicyEvaluator } from './access';
import type { Viewer } from './auth';
import { provinces } from './provinces';

function ownProvince(viewer: Viewer): string {
  const code = viewer.provinceCode ?? '';
  const name = provinces().find((province) => province.code === code)?.name;
  return name ? `${code} (${name})` : code;
}

type RowAccessor<TContext> = Record<
  string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (row: any, context: TContext) => string | null | Promise<string | null>
>;

/** The reason a librarian is refused a row that is not its own (decision 30). */
export const NOT_OWN_RECORD =
  'is personal data of another librarian: a librarian reads only its own record';

/**
 * The policy of personal data (UU 27/2022) held by province: admins, the regional operator of
 * the province the row belongs to, and the librarian the row is about (its data subject,
 * decision 30). `provinceOf` says, per type, where a row's province is found (a librarian's
 * own, a certification's holder's, a run's office's), `librarianOf` whose row it is; a type
 * without `librarianOf` is never a librarian's to read. The fields it protects are those the
 * SDL declares with its name in `@policy`.
 */
export function personalDataOfProvince<TContext extends { viewer: Viewer }>(
  provinceOf: RowAccessor<TContext>,
  librarianOf: RowAccessor<TContext> = {},
): PolicyEvaluator<TContext> {
  return {
    types: Object.keys(provinceOf),
    async check(row, context, type) {
      const { viewer } = context;
      if (viewer.role === 'admin') return null;
      if (viewer.role === 'librarian') {
        const owner = librarianOf[type] ? await librarianOf[type](row, context) : null;
        return owner !== null && owner === viewer.librarianId ? null : NOT_OWN_RECORD;
      }
      if (viewer.role !== 'regional-operator') {
        return `is personal data: only admins, the regional operator of its province and the librarian it is about read it; your role is ${viewer.role ?? 'none'}`;
      }
      const province = await provinceOf[type]!(row, context);
      if (province !== null && province === viewer.provinceCode) return null;
      return `is personal data of another province: a regional operator reads only its own province's, ${ownProvince(viewer)}`;
    },
  };
}

/**
 * Aggregates must not single a person out: a group smaller than this is shown only to those
 * who may read the people in it (admins, the operator of that province).
 */
export const MIN_GROUP_SIZE = 5;

/** Whether `viewer` may see the outcome counts of a group of `size` people in `province`. */
export function mayReadSmallGroup(viewer: Viewer, province: string, size: number): boolean {
  return size >= MIN_GROUP_SIZE || size === 0 || mayReadPeopleOf(viewer, province);
}

/**
 * Whether `viewer` may read the people behind a figure of `province` (null: a national figure,
 * which only admins may read whole): what disclosure control withholds from everyone else.
 */
export function mayReadPeopleOf(viewer: Viewer, province: string | null): boolean {
  return (
    viewer.role === 'admin' ||
    (province !== null && viewer.role === 'regional-operator' && viewer.provinceCode === province)
  );
}
