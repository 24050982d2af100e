import type { Context } from './context';
import { provinceOfRun } from './province';

interface LibrarianReference {
  id: string;
}

/** library owns librarians; this subgraph knows them by id and adds their training history. */
export const librarianResolvers = {
  __resolveReference: (ref: LibrarianReference) => ({ id: ref.id }),
  /**
   * This subgraph cannot know a librarian's province (library owns it, and a representation
   * sent to `_entities` could lie about it), so a regional operator sees only the enrolments
   * in its own office's runs.
   */
  enrolments: async (librarian: LibrarianReference, _: unknown, context: Context) => {
    const enrolments = await context.loaders.librarianEnrolments.load(librarian.id);
    const { viewer } = context;
    if (viewer.role !== 'regional-operator') return enrolments;
    const provinces = await Promise.all(enrolments.map((e) => provinceOfRun(e.runId, context)));
    return enrolments.filter((_, index) => provinces[index] === viewer.provinceCode);
  },
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
