import fc from 'fast-check';
import { ANONYMOUS, mayReadSmallGroup, MIN_GROUP_SIZE, type Viewer } from '@coop/common';
import { regionalOfficeResolvers } from '../../services/library/resolvers/regional-office';
import type { Context } from '../../services/library/resolvers/context';

const viewer = (role: Viewer['role'], provinceCode: string | null = null): Viewer => ({
  role,
  provinceCode,
  authenticated: role !== null,
  subject: 'someone',
});

describe('aggregates never single a person out', () => {
  it('hides outcomes of groups smaller than MIN_GROUP_SIZE from those who may not read them', () => {
    expect(MIN_GROUP_SIZE).toBe(5);
    expect(mayReadSmallGroup(viewer('analyst'), '32', 4)).toBe(false);
    expect(mayReadSmallGroup(viewer('analyst'), '32', 5)).toBe(true);
    expect(mayReadSmallGroup(viewer('analyst'), '32', 0)).toBe(true);
    expect(mayReadSmallGroup(viewer('regional-operator', '31'), '32', 1)).toBe(false);
    expect(mayReadSmallGroup(viewer('regional-operator', '32'), '32', 1)).toBe(true);
    expect(mayReadSmallGroup(viewer('admin'), '32', 1)).toBe(true);
    expect(mayReadSmallGroup(ANONYMOUS, '32', 2)).toBe(false);
  });

  it('nulls the certified count of a small level and the total it would follow from (decision 13)', async () => {
    const stats = {
      provinceCode: '32',
      librarians: 12,
      certified: 6,
      byLevel: [
        { level: 'AHLI_PERTAMA', librarians: 10, certified: 5 },
        { level: 'AHLI_UTAMA', librarians: 2, certified: 1 },
      ],
    };
    const context = (who: Viewer) =>
      ({
        viewer: who,
        loaders: { librarianStats: { load: async () => stats } },
      }) as unknown as Context;
    const office = { provinceCode: '32' };
    expect(
      await regionalOfficeResolvers.librarianStats(office, {}, context(viewer('analyst'))),
    ).toEqual({
      librarians: 12,
      certified: null,
      certificationRate: null,
      byLevel: [
        { level: 'AHLI_PERTAMA', librarians: 10, certified: 5 },
        { level: 'AHLI_UTAMA', librarians: 2, certified: null },
      ],
    });
    const own = await regionalOfficeResolvers.librarianStats(
      office,
      {},
      context(viewer('regional-operator', '32')),
    );
    expect(own.byLevel[1]!.certified).toBe(1);
    expect(own.certified).toBe(6);
  });

  it('never leaves a hidden level to follow from the total and the other levels (generated)', async () => {
    const level = fc
      .integer({ min: 0, max: 9 })
      .chain((librarians) =>
        fc.record({ librarians: fc.constant(librarians), certified: fc.nat({ max: librarians }) }),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(level, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(viewer('analyst'), viewer('regional-operator', '31'), ANONYMOUS),
        async (levels, who) => {
          const byLevel = levels
            .filter((row) => row.librarians > 0)
            .map((row, i) => ({ level: `L${i}`, ...row }));
          const stats = {
            provinceCode: '32',
            librarians: byLevel.reduce((sum, row) => sum + row.librarians, 0),
            certified: byLevel.reduce((sum, row) => sum + row.certified, 0),
            byLevel,
          };
          const context = {
            viewer: who,
            loaders: { librarianStats: { load: async () => stats } },
          } as unknown as Context;
          const shown = await regionalOfficeResolvers.librarianStats(
            { provinceCode: '32' },
            {},
            context,
          );
          const hidden = shown.byLevel.filter((row) => row.certified === null);
          // A small level is hidden; when one is, the total and the rate are too, so no sum,
          // difference or rate × count involves a hidden level.
          expect(hidden.length).toBe(
            byLevel.filter((row) => row.librarians < MIN_GROUP_SIZE).length,
          );
          if (hidden.length > 0) {
            expect(shown.certified).toBeNull();
            expect(shown.certificationRate).toBeNull();
          }
        },
      ),
    );
  });
});
