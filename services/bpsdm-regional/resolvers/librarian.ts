import type { Context } from './context';

interface LibrarianReference {
  id: string;
}

/** library owns librarians; this subgraph knows them by id and adds their training history. */
export const librarianResolvers = {
  __resolveReference: (ref: LibrarianReference) => ({ id: ref.id }),
  enrolments: (librarian: LibrarianReference, _: unknown, { loaders }: Context) =>
    loaders.librarianEnrolments.load(librarian.id),
  lessonHoursCompleted: (
    librarian: LibrarianReference,
    args: { year?: number | null },
    { loaders }: Context,
  ) =>
    loaders.lessonHoursCompleted.load({
      parentId: librarian.id,
      args: { year: args.year ?? null },
    }),
};
