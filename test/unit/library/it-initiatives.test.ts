import fc from 'fast-check';
import {
  allPrograms,
  IT_INITIATIVE_CODES,
  programInitiativeCode,
  provinces,
  SCALE_PLANS,
} from '@coop/common';
import { rolloutInput } from '../../../services/library/resolvers/it-mutations';
import {
  INLISLITE_FORUM_PROVINCES,
  IT_INITIATIVES,
  itRolloutRows,
  REGENCIES_AND_CITIES,
} from '../../../services/library/seed/it';

const rows = itRolloutRows();

describe('scope 4 seed', () => {
  it('knows the regencies and cities of all 38 provinces, 514 in all', () => {
    expect(Object.keys(REGENCIES_AND_CITIES).sort()).toEqual(
      provinces()
        .map((p) => p.code)
        .sort(),
    );
    expect(Object.values(REGENCIES_AND_CITIES).reduce((a, b) => a + b, 0)).toBe(514);
  });

  it('is deterministic and seeds the five initiatives, INLISLite in every province', () => {
    expect(itRolloutRows()).toEqual(rows);
    expect(IT_INITIATIVES.map((i) => i.code)).toEqual([...IT_INITIATIVE_CODES]);
    expect(rows.filter((r) => r.initiativeCode === 'INLISLITE')).toHaveLength(38);
    for (const code of IT_INITIATIVE_CODES) {
      expect(rows.some((r) => r.initiativeCode === code && r.status === 'IN_USE')).toBe(true);
    }
  });

  it('gives a forum to exactly the six provinces of the facts, by the 50% rule', () => {
    const forums = rows.filter((r) => r.hasForum);
    expect(forums.map((r) => r.provinceCode).sort()).toEqual([...INLISLITE_FORUM_PROVINCES].sort());
    expect(forums.every((r) => r.initiativeCode === 'INLISLITE')).toBe(true);
    for (const row of rows.filter((r) => r.initiativeCode === 'INLISLITE')) {
      expect([row.provinceCode, row.librariesUsing * 2 >= row.librariesTotal]).toEqual([
        row.provinceCode,
        row.hasForum,
      ]);
    }
  });

  it('seeds only rollouts the write path would accept', () => {
    for (const { id: _id, ...row } of rows) {
      expect([row, rolloutInput.safeParse(row).success]).toEqual([row, true]);
    }
  });

  it('names an initiative on every IT program and on no other, all five over the large seed', () => {
    const programs = allPrograms(SCALE_PLANS.large);
    const taught = new Set<string>();
    for (const program of programs) {
      const code = programInitiativeCode(program);
      if (program.scope !== 'INFORMATION_TECHNOLOGY') expect(code).toBeNull();
      else {
        expect(IT_INITIATIVE_CODES).toContain(code);
        taught.add(code!);
      }
    }
    expect([...taught].sort()).toEqual([...IT_INITIATIVE_CODES].sort());
    expect(programInitiativeCode({ code: 'OTM-INLIS', scope: 'INFORMATION_TECHNOLOGY' })).toBe(
      'INLISLITE',
    );
  });
});

describe('a rollout accepted by the write path tells one story (generated)', () => {
  it('planned ⇔ nobody uses it, no more users than libraries, a forum only at half', () => {
    fc.assert(
      fc.property(
        fc.record({
          initiativeCode: fc.constantFrom(...IT_INITIATIVE_CODES),
          provinceCode: fc.constantFrom(...provinces().map((p) => p.code)),
          status: fc.constantFrom('PLANNED', 'PILOTING', 'IN_USE'),
          librariesUsing: fc.integer({ min: 0, max: 60 }),
          librariesTotal: fc.option(fc.integer({ min: 1, max: 60 })),
          hasForum: fc.option(fc.boolean()),
        }),
        (input) => {
          const accepted = rolloutInput.safeParse(input).success;
          const using = input.librariesUsing;
          const total = input.librariesTotal;
          const consistent =
            (input.status === 'PLANNED') === (using === 0) &&
            (total === null || using <= total) &&
            (!input.hasForum || (total !== null && using * 2 >= total));
          expect(accepted).toBe(consistent);
        },
      ),
      { numRuns: 500 },
    );
  });
});
