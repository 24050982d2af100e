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

  it('nulls the certified count of a small level, keeps the others', async () => {
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
      certified: 6,
      certificationRate: 0.5,
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
  });
});
