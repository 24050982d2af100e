import type { PolicyEvaluator } from './access';
import type { Viewer } from './auth';
import { provinces } from './provinces';

function ownProvince(viewer: Viewer): string {
  const code = viewer.provinceCode ?? '';
  const name = provinces().find((province) => province.code === code)?.name;
  return name ? `${code} (${name})` : code;
}

/**
 * The policy of personal data (UU 27/2022) held by province: admins, and the regional
 * operator of the province the row belongs to. `provinceOf` says, per type, where a row's
 * province is found (a librarian's own, a certification's holder's, a run's office's); the
 * fields it protects are those the SDL declares with its name in `@policy`.
 */
export function personalDataOfProvince<TContext extends { viewer: Viewer }>(
  provinceOf: Record<
    string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (row: any, context: TContext) => string | null | Promise<string | null>
  >,
): PolicyEvaluator<TContext> {
  return {
    types: Object.keys(provinceOf),
    async check(row, context, type) {
      const { viewer } = context;
      if (viewer.role === 'admin') return null;
      if (viewer.role !== 'regional-operator') {
        return `is personal data: only admins and the regional operator of its province read it; your role is ${viewer.role ?? 'none'}`;
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
