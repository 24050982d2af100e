import fc from 'fast-check';
import {
  protectTable,
  TOTAL,
  type CountCell,
  type CountTable,
  type Protection,
} from '../../packages/common/src/disclosure-control';
import { pinned } from '../support/disclosure-attacker';

/**
 * The proof of decision 23 as a generated test: random populations of people in a table (rows ×
 * columns, with every total published), the figures `protectTable` withholds, and an attacker
 * who solves for each withheld figure from everything published — as an integer program, with
 * each figure between 0 and its public bound — once knowing nothing more (an analyst) and once
 * knowing one row entirely (that province's operator). No withheld figure may have one value.
 */
const K = 5;

/** One person's records: (row, column, whether it counts, whether it may count) triples. */
interface Person {
  records: { row: number; column: number; counted: boolean; eligible: boolean }[];
}

interface Population {
  rows: number;
  columns: number;
  people: Person[];
}

const rowName = (index: number) => `r${index}`;
const columnName = (index: number) => `c${index}`;

/**
 * Librarians (one record each: their province and level, certified or not) or participants
 * (several enrolments each, in several offices and years; withdrawn ones count towards the
 * group but may not complete). Weights make small groups common.
 */
function population(kind: 'librarians' | 'participants'): fc.Arbitrary<Population> {
  return fc
    .record({ rows: fc.integer({ min: 2, max: 5 }), columns: fc.integer({ min: 2, max: 4 }) })
    .chain(({ rows, columns }) => {
      const place = fc.record({
        row: fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 5, arbitrary: fc.integer({ min: 0, max: rows - 1 }) },
        ),
        column: fc.oneof(
          { weight: 2, arbitrary: fc.constant(columns - 1) },
          { weight: 5, arbitrary: fc.integer({ min: 0, max: columns - 1 }) },
        ),
      });
      const record = fc.record({
        at: place,
        counted: fc.boolean(),
        eligible: kind === 'librarians' ? fc.constant(true) : fc.boolean(),
      });
      const person = fc
        .array(record, { minLength: 1, maxLength: kind === 'librarians' ? 1 : 4 })
        .map((records): Person => ({
          records: records.map(({ at, counted, eligible }) => ({
            row: at.row,
            column: at.column,
            eligible: eligible || kind === 'librarians',
            counted: counted && (eligible || kind === 'librarians'),
          })),
        }));
      return fc
        .array(person, { minLength: 1, maxLength: 45 })
        .map((people) => ({ rows, columns, people }));
    });
}

/** The table of a population: cells, and the distinct persons behind each total. */
function tableOf(pop: Population): CountTable {
  const cells = new Map<string, CountCell & { who: Set<number> }>();
  const marginPeople = new Map<string, Set<number>>();
  pop.people.forEach((person, id) => {
    for (const record of person.records) {
      const row = rowName(record.row);
      const column = columnName(record.column);
      const at = `${row}/${column}`;
      const cell = cells.get(at) ?? { row, column, persons: 0, value: 0, bound: 0, who: new Set() };
      cell.who.add(id);
      cell.persons = cell.who.size;
      if (record.eligible) cell.bound += 1;
      if (record.counted) cell.value += 1;
      cells.set(at, cell);
      for (const margin of [`${row}/${TOTAL}`, `${TOTAL}/${column}`, `${TOTAL}/${TOTAL}`]) {
        const who = marginPeople.get(margin) ?? new Set<number>();
        who.add(id);
        marginPeople.set(margin, who);
      }
    }
  });
  return {
    cells: [...cells.values()].map(({ who: _who, ...cell }) => cell),
    marginPersons: (row, column) => marginPeople.get(`${row}/${column}`)?.size,
  };
}

interface Figure {
  row: string;
  column: string;
  value: number;
  bound: number;
  persons: number;
}

/** Every figure of the table: cells, row totals, column totals, the grand total. */
function figuresOf(table: CountTable): Map<string, Figure> {
  const figures = new Map<string, Figure>();
  for (const cell of table.cells) {
    for (const row of [cell.row, TOTAL]) {
      for (const column of [cell.column, TOTAL]) {
        const at = `${row}/${column}`;
        const figure = figures.get(at) ?? { row, column, value: 0, bound: 0, persons: 0 };
        figure.value += cell.value;
        figure.bound += cell.bound;
        figure.persons += cell.persons;
        figures.set(at, figure);
      }
    }
  }
  for (const figure of figures.values()) {
    if (figure.row === TOTAL || figure.column === TOTAL) {
      figure.persons = table.marginPersons?.(figure.row, figure.column) ?? figure.persons;
    }
  }
  return figures;
}

type Rule = (table: CountTable) => Protection;

/** What a rule gets wrong on a table: empty when it protects every small group. */
async function leaks(rule: Rule, table: CountTable): Promise<string[]> {
  const protection = rule(table);
  const figures = figuresOf(table);
  const problems: string[] = [];
  for (const [at, figure] of figures) {
    const small = figure.persons > 0 && figure.persons < K;
    if (small && !protection.reason(figure.row, figure.column)) {
      problems.push(`${at} describes ${figure.persons} persons and is published`);
    }
  }
  const viewers = [null, ...new Set(table.cells.map((cell) => cell.row))];
  for (const viewer of viewers) {
    const visible = (f: Figure) => protection.reason(f.row, f.column) === null || f.row === viewer;
    const seen = [...figures.values()].map((f) => ({
      row: f.row,
      column: f.column,
      bound: f.bound,
      value: visible(f) ? f.value : null,
    }));
    for (const found of await pinned(seen)) {
      const [row, column] = found.split(' = ')[0]!.split('/') as [string, string];
      // A national figure made only of the viewer's own row is about the viewer's own people.
      const own = viewer === null ? undefined : figures.get(`${viewer}/${column}`);
      if (row === TOTAL && own?.bound === figures.get(`${row}/${column}`)!.bound) continue;
      problems.push(`${found} follows for ${viewer ?? 'an analyst'}`);
    }
  }
  return problems;
}

const rule: Rule = (table) => protectTable(table, K);

/**
 * Decision 13's rule: a figure is small by its records (enrolments), not its persons; a row's
 * total is withheld when any of its parts is (there were no national totals then, but the
 * graph publishes them now).
 */
const recordCountingRule: Rule = (table) => {
  const recordsOf = (figure: Figure) => figure.bound;
  const figures = figuresOf(table);
  const smallCell = (f: Figure | undefined) =>
    f !== undefined && recordsOf(f) > 0 && recordsOf(f) < K;
  const reason = (row: string, column: string) => {
    const figure = figures.get(`${row}/${column}`);
    if (!figure) return null;
    if (smallCell(figure)) return 'SMALL_GROUP' as const;
    if (column === TOTAL && row !== TOTAL) {
      const parts = [...figures.values()].filter((f) => f.row === row && f.column !== TOTAL);
      if (parts.some(smallCell)) return 'COMPLEMENTARY' as const;
    }
    return null;
  };
  return { reason, counts: { SMALL_GROUP: 0, COMPLEMENTARY: 0 } };
};

describe('disclosure control of a table with its totals (decision 23)', () => {
  for (const kind of ['librarians', 'participants'] as const) {
    it(`no withheld figure follows from the published ones, nor with one row known (${kind})`, async () => {
      await fc.assert(
        fc.asyncProperty(population(kind), async (pop) => {
          expect(await leaks(rule, tableOf(pop))).toEqual([]);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('would fail on the rule that counted records instead of persons', async () => {
    const result = await fc.check(
      fc.asyncProperty(
        population('participants'),
        async (pop) => (await leaks(recordCountingRule, tableOf(pop))).length === 0,
      ),
      { numRuns: 150 },
    );
    expect(result.failed).toBe(true);
  });

  it('publishes every total whose own group is large when a rectangle of cells protects the small ones', async () => {
    // Two provinces, two levels, one small cell: the cells form the rectangle, totals stay.
    const table: CountTable = {
      cells: [
        { row: 'a', column: 'x', persons: 3, value: 1, bound: 3 },
        { row: 'a', column: 'y', persons: 20, value: 8, bound: 20 },
        { row: 'b', column: 'x', persons: 12, value: 5, bound: 12 },
        { row: 'b', column: 'y', persons: 30, value: 10, bound: 30 },
        { row: 'c', column: 'x', persons: 40, value: 9, bound: 40 },
        { row: 'c', column: 'y', persons: 50, value: 20, bound: 50 },
      ],
    };
    const protection = protectTable(table, K);
    expect(protection.reason('a', 'x')).toBe('SMALL_GROUP');
    for (const total of [
      ['a', TOTAL],
      ['b', TOTAL],
      ['c', TOTAL],
      [TOTAL, 'x'],
      [TOTAL, 'y'],
      [TOTAL, TOTAL],
    ] as const) {
      expect(protection.reason(total[0], total[1])).toBeNull();
    }
    // Robust to an operator knowing one row: rectangles through two other rows.
    expect(protection.counts.SMALL_GROUP).toBe(1);
    expect(protection.counts.COMPLEMENTARY).toBe(5);
    expect(await leaks(() => protection, table)).toEqual([]);
  });

  it('withholds nothing in a table without small groups', () => {
    const protection = protectTable(
      {
        cells: [
          { row: 'a', column: 'x', persons: 5, value: 0, bound: 5 },
          { row: 'b', column: 'x', persons: 9, value: 9, bound: 9 },
        ],
      },
      K,
    );
    expect(protection.counts).toEqual({ SMALL_GROUP: 0, COMPLEMENTARY: 0 });
  });
});
