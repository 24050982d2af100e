import {
  addYears,
  isIsoDate,
  isUuid,
  stableId,
  seededRandom,
  toConnection,
  toPage,
} from '@coop/common';

describe('dates', () => {
  it('adds years, keeping 29 February inside February', () => {
    expect(addYears('2024-05-17', 3)).toBe('2027-05-17');
    expect(addYears('2024-02-29', 3)).toBe('2027-02-28');
  });

  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2025-03-09')).toBe(true);
    expect(isIsoDate('2025-02-30')).toBe(false);
    expect(isIsoDate('9 March 2025')).toBe(false);
  });
});

describe('stableId', () => {
  it('gives the same UUID for the same name, another for another name', () => {
    const id = stableId('agreement', 'pks-2022');
    expect(id).toBe(stableId('agreement', 'pks-2022'));
    expect(id).not.toBe(stableId('agreement', 'pks-2023'));
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('5');
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays within [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe('pagination', () => {
  it('defaults to 20 and refuses more than 100 with BAD_USER_INPUT', () => {
    expect(toPage({})).toEqual({ limit: 20, offset: 0 });
    expect(() => toPage({ first: 101 })).toThrow(/first must be between 0 and 100/);
    try {
      toPage({ first: -1 });
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('continues after the cursor of the last edge', async () => {
    const first = toPage({ first: 2 });
    const page = toConnection(['a', 'b', 'c'], first, async () => 5);
    expect(page.edges.map((edge) => edge.node)).toEqual(['a', 'b']);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(toPage({ first: 2, after: page.pageInfo.endCursor })).toEqual({ limit: 2, offset: 2 });
    expect(await page.totalCount()).toBe(5);
  });

  it('refuses a cursor it did not make', () => {
    expect(() => toPage({ after: 'bm9wZQ' })).toThrow(/not a cursor/);
  });
});
