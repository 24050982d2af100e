import { mayChangeOf, mayReadOf, provinces, type Role, type Viewer } from '@coop/common';
import type { Context } from './context';

const ROLE_ENUM: Record<Role, string> = {
  admin: 'ADMIN',
  'regional-operator': 'REGIONAL_OPERATOR',
  analyst: 'ANALYST',
  librarian: 'LIBRARIAN',
};

/** `Query.viewer`: the request's viewer, which the subgraph built from the verified token. */
export function viewer(_: unknown, _args: unknown, context: Context): Viewer {
  return context.viewer;
}

export const viewerResolvers = {
  role: (viewer: Viewer) => (viewer.role ? ROLE_ENUM[viewer.role] : null),
  librarianId: (viewer: Viewer) => viewer.librarianId ?? null,
  provinceName: (viewer: Viewer) =>
    provinces().find((province) => province.code === viewer.provinceCode)?.name ?? null,
  mayRead: (viewer: Viewer) => mayReadOf(viewer),
  mayChange: (viewer: Viewer) => mayChangeOf(viewer),
};
