import fc from 'fast-check';
import { ANONYMOUS, mayReadSmallGroup, MIN_GROUP_SIZE, type Viewer } from '@coop/common';
import type { DataSource } from 'typeorm';
import { librarianTableOn } from '../../services/library/librarian-stats';
import {
  nationalLibrarianStats,
  regionalOfficeResolvers,
} from '../../services/library/resolvers/regional-office';
import type { Context } from '../../services/library/resolvers/context';

const viewer = (role: Viewer['role'], provinceCode: string | null = null): Viewer => ({
  role,
  provinceCode,
  authenticated: role !== null,
  subject: 'someone',
});

interface LevelRow {
  provinceCode: string;
  level: string;
  librarians: number;
  certified: number;
}

/** The library's resolvers over a table of (province, level) counts, as `who` sees it. */
async function answers(rows: LevelRow[], who: Viewer) {
  const db = { query: async () => rows } as unknown as DataSource;
  const table = await librarianTableOn(db, '2026-12-04');
  const context = {
    viewer: who,
    loaders: { librarianTable: { load: async () => table } },
  } as unknown as Context;
  const provinces = [...new Set(rows.map((row) => row.provinceCode))];
  return {
    provinces: await Promise.all(
      provinces.map((provinceCode) =>
        regionalOfficeResolvers.librarianStats({ provinceCode }, {}, context),
      ),
    ),
    national: await nationalLibrarianStats({}, {}, context),
  };
}

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

  it('marks a small level SMALL_GROUP, keeps the totals, and shows the operator its own', async () => {
    const rows: LevelRow[] = [
      { provinceCode: '31', level: 'AHLI_PERTAMA', librarians: 10, certified: 5 },
      { provinceCode: '31', level: 'AHLI_UTAMA', librarians: 2, certified: 1 },
      { provinceCode: '32', level: 'AHLI_PERTAMA', librarians: 20, certified: 8 },
      { provinceCode: '32', level: 'AHLI_UTAMA', librarians: 9, certified: 3 },
      { provinceCode: '33', level: 'AHLI_PERTAMA', librarians: 30, certified: 9 },
      { provinceCode: '33', level: 'AHLI_UTAMA', librarians: 12, certified: 4 },
    ];
    const analyst = await answers(rows, viewer('analyst'));
    const small = analyst.provinces[0]!.byLevel[1]!;
    expect(small).toEqual({
      level: 'AHLI_UTAMA',
      librarians: 2,
      certified: null,
      withheld: [{ field: 'certified', reason: 'SMALL_GROUP' }],
    });
    for (const province of analyst.provinces) {
      expect(province.certified).not.toBeNull();
      expect(province.withheld).toEqual([]);
    }
    expect(analyst.national.certified).toBe(30);
    const own = await answers(rows, viewer('regional-operator', '31'));
    expect(own.provinces[0]!.byLevel[1]).toMatchObject({ certified: 1, withheld: [] });
    expect(own.provinces[1]!.byLevel.some((level) => level.certified === null)).toBe(true);
  });

  it('lists exactly the fields that are null, and never a small group unmarked (generated)', async () => {
    const row = fc.record({
      provinceCode: fc.constantFrom('11', '12', '13', '14'),
      level: fc.constantFrom('AHLI_PERTAMA', 'AHLI_MUDA', 'TERAMPIL'),
      librarians: fc.integer({ min: 1, max: 30 }),
      certifiedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(row, { selector: (r) => `${r.provinceCode}/${r.level}`, maxLength: 12 }),
        fc.constantFrom(viewer('analyst'), viewer('regional-operator', '11'), viewer('admin')),
        async (generated, who) => {
          const rows = generated
            .map(({ certifiedShare, ...rest }) => ({
              ...rest,
              certified: Math.floor(certifiedShare * rest.librarians),
            }))
            .sort((a, b) =>
              `${a.provinceCode}${a.level}`.localeCompare(`${b.provinceCode}${b.level}`),
            );
          const { provinces, national } = await answers(rows, who);
          for (const stats of [...provinces, national]) {
            const nulls = ['certified', 'certificationRate'].filter(
              (field) => stats[field as 'certified'] === null,
            );
            expect(stats.withheld.map((figure) => figure.field)).toEqual(nulls);
            for (const level of stats.byLevel) {
              expect(level.withheld.length > 0).toBe(level.certified === null);
              if (level.librarians < MIN_GROUP_SIZE && who.role === 'analyst') {
                expect(level.withheld).toEqual([{ field: 'certified', reason: 'SMALL_GROUP' }]);
              }
            }
          }
          if (who.role === 'admin') {
            expect([...provinces, national].every((stats) => stats.withheld.length === 0)).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
