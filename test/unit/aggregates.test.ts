import { recountSummary, type AggregateDifference, type AggregateReport } from '@coop/common';
import type { DataSource } from 'typeorm';
import { trainingTable } from '../../services/bpsdm-regional/queries/training-stats';
import { recountBpsdmRegional } from '../../services/bpsdm-regional/recount';
import { librarianStatsOn } from '../../services/library/librarian-stats';
import { recountLibrary } from '../../services/library/recount';

/** A database that records every statement and answers from `answer`. */
function fakeDb(answer: (sql: string, params?: unknown[]) => unknown = () => []) {
  const statements: { sql: string; params?: unknown[]; inTransaction: boolean }[] = [];
  const client = (inTransaction: boolean) => ({
    query: async (sql: string, params?: unknown[]) => {
      statements.push({ sql, params, inTransaction });
      return answer(sql, params);
    },
  });
  const db = {
    ...client(false),
    transaction: async (work: (manager: ReturnType<typeof client>) => Promise<unknown>) =>
      work(client(true)),
  };
  return { db: db as unknown as DataSource, statements };
}

const difference: AggregateDifference = {
  key: { office_id: 'o-1', year: 2025 },
  stored: { runs: 3, participants: 40 },
  counted: { runs: 3, participants: 37 },
};

describe('recountSummary', () => {
  const report = (differences: AggregateDifference[], repaired = false): AggregateReport => ({
    name: 'bpsdm_regional.office_training_stats',
    differences,
    repaired,
  });

  it('exits 0 when every aggregate matches, checked or repaired', () => {
    for (const repair of [false, true]) {
      expect(recountSummary([report([])], repair)).toEqual({
        lines: ['bpsdm_regional.office_training_stats: matches a recount from the source rows'],
        exitCode: 0,
      });
    }
  });

  it('exits 1 when --check finds a difference, naming the row and both values', () => {
    const { lines, exitCode } = recountSummary([report([difference])], false);
    expect(exitCode).toBe(1);
    expect(lines[0]).toBe('bpsdm_regional.office_training_stats: 1 row(s) differ from a recount');
    expect(lines[1]).toBe(
      '  office_id=o-1 year=2025: stored runs=3 participants=40; counted runs=3 participants=37',
    );
  });

  it('exits 0 after repairing, and says so', () => {
    const { lines, exitCode } = recountSummary([report([difference], true)], true);
    expect(exitCode).toBe(0);
    expect(lines[0]).toMatch(/1 row\(s\) differ from a recount, repaired$/);
  });

  it('shows a missing or surplus row as (none)', () => {
    const { lines } = recountSummary([report([{ ...difference, stored: null }])], false);
    expect(lines[1]).toMatch(/stored \(none\); counted runs=3/);
  });
});

describe('recount of bpsdm-regional', () => {
  it('only reads in check mode', async () => {
    const { db, statements } = fakeDb(() => [difference]);
    const [result] = await recountBpsdmRegional(db, { repair: false, today: '2026-11-25' });
    expect(result!.differences).toEqual([difference]);
    expect(result!.repaired).toBe(false);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.sql).toMatch(/^WITH stored AS/);
  });

  it('locks the table, then recounts, then rewrites it, all in one transaction', async () => {
    const { db, statements } = fakeDb((sql) => (sql.startsWith('WITH') ? [difference] : []));
    const [result] = await recountBpsdmRegional(db, { repair: true, today: '2026-11-25' });
    expect(result!.repaired).toBe(true);
    expect(statements.map((s) => s.sql.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'LOCK TABLE',
      'WITH stored',
      'DELETE FROM',
      'INSERT INTO',
    ]);
    expect(statements.every((s) => s.inTransaction)).toBe(true);
  });

  it('rewrites nothing when nothing differs', async () => {
    const { db, statements } = fakeDb();
    const [result] = await recountBpsdmRegional(db, { repair: true, today: '2026-11-25' });
    expect(result).toMatchObject({ differences: [], repaired: false });
    expect(statements.some((s) => /^\s*(DELETE|INSERT)/.test(s.sql))).toBe(false);
  });
});

describe('recount of the library', () => {
  const stale: AggregateDifference = {
    key: { id: 'l-1' },
    stored: { certified_until: null },
    counted: { certified_until: '2028-01-01' },
  };
  /** Answers: one stale librarian, the stored day, no difference in the counts. */
  const answers = (storedDay: string) => (sql: string) =>
    sql.includes('certified_until(id)')
      ? [stale]
      : sql.includes('FOR UPDATE')
        ? [{ day: storedDay }]
        : [];

  it('repairs certified_until through the write path’s function, with the stale ids', async () => {
    const { db, statements } = fakeDb(answers('2026-11-25'));
    const [first] = await recountLibrary(db, { repair: true, today: '2026-11-25' });
    expect(first).toMatchObject({ differences: [stale], repaired: true });
    const refresh = statements.find((s) => s.sql.includes('refresh_certified_until'));
    expect(refresh?.params).toEqual([['l-1']]);
  });

  it('moves the stored day to today, recounting as of today, even when nothing differs', async () => {
    const { db, statements } = fakeDb(answers('2026-10-01'));
    const [, stats] = await recountLibrary(db, { repair: true, today: '2026-11-25' });
    expect(stats).toMatchObject({ differences: [], repaired: false });
    const written = statements.filter((s) => /^\s*(DELETE|INSERT|UPDATE)/.test(s.sql));
    expect(written.map((s) => s.sql.trim().split(/\s+/)[0])).toEqual([
      'DELETE',
      'INSERT',
      'UPDATE',
    ]);
    expect(written.slice(1).map((s) => s.params)).toEqual([['2026-11-25'], ['2026-11-25']]);
    expect(written.every((s) => s.inTransaction)).toBe(true);
  });

  it('writes nothing in check mode, and counts as of the stored day in the same statement', async () => {
    const { db, statements } = fakeDb(answers('2026-11-25'));
    const reports = await recountLibrary(db, { repair: false, today: '2030-01-01' });
    expect(reports.map((r) => r.repaired)).toEqual([false, false]);
    expect(statements.some((s) => /refresh|DELETE|INSERT|UPDATE /.test(s.sql))).toBe(false);
    expect(statements[1]!.sql).toContain('FROM library.librarian_stats_as_of');
    expect(statements[1]!.params).toBeUndefined();
  });
});

describe('reading the kept counts', () => {
  it('librarian stats: totals per province from its levels; a province without rows is zero', async () => {
    const { db, statements } = fakeDb(() => [
      { provinceCode: '32', level: 'MAHIR', librarians: 10, certified: 4 },
      { provinceCode: '32', level: 'PENYELIA', librarians: 5, certified: 5 },
    ]);
    const stats = await librarianStatsOn(db, ['32', '33'], '2027-01-01');
    expect(stats).toEqual([
      {
        provinceCode: '32',
        librarians: 15,
        certified: 9,
        byLevel: [
          { level: 'MAHIR', librarians: 10, certified: 4 },
          { level: 'PENYELIA', librarians: 5, certified: 5 },
        ],
      },
      { provinceCode: '33', librarians: 0, certified: 0, byLevel: [] },
    ]);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.params).toEqual([['32', '33'], '2027-01-01']);
  });

  it('training counts: the whole table in one statement, totals summed from its cells', async () => {
    const cell = (provinceCode: string, year: number, completed: number) => ({
      kind: 'cell',
      provinceCode,
      year,
      runs: 1,
      participants: 9,
      completed,
      enrolled: 10,
      lessonHoursDelivered: 8 * completed,
      persons: 9,
    });
    const { db, statements } = fakeDb(() => [
      cell('31', 2025, 7),
      cell('31', 2026, 2),
      cell('32', 2025, 5),
    ]);
    const table = await trainingTable(db);
    expect(table.counts('31', '*')).toEqual({
      runs: 2,
      participants: 18,
      completed: 9,
      enrolled: 20,
      lessonHoursDelivered: 72,
    });
    expect(table.counts('*', '2025').completed).toBe(12);
    expect(table.counts('*', '*').completed).toBe(14);
    expect(table.counts('33', '2025').runs).toBe(0);
    expect(table.parts('*', '2025')).toEqual([
      { provinceCode: '31', year: '2025' },
      { provinceCode: '32', year: '2025' },
    ]);
    expect(table.protection.counts).toEqual({ SMALL_GROUP: 0, COMPLEMENTARY: 0 });
    expect(statements).toHaveLength(1);
    expect(statements[0]!.params).toEqual([5]);
  });
});
