import { MIN_GROUP_SIZE } from './policy';

/**
 * Statistical disclosure control of a two-way table of counts (decision 23): which figures an
 * aggregate withholds from callers who may not read the people behind them.
 *
 * The table is rows (provinces or their offices) × columns (librarian levels or years), with
 * every row's total, every column's total (the national figures) and the grand total published
 * beside the cells. Each figure is a count (`value`: certified, completed) between 0 and a public
 * `bound` (librarians, participants), about `persons` distinct people.
 *
 * 1. Primary suppression: a figure about 1 to k − 1 persons is withheld (`SMALL_GROUP`).
 * 2. Complementary suppression: more figures are withheld (`COMPLEMENTARY`) until every withheld
 *    figure lies on a "rectangle" of withheld figures — two rows, two columns — along which all
 *    four can move by one (up on one diagonal, down on the other, within their bounds) without
 *    changing any published figure. Then every withheld figure has two values consistent with
 *    everything published, so none follows from the rest. Totals enter a rectangle like cells
 *    (a total moves with its parts), so a small total is protected the same way.
 * 3. A regional operator also knows its own province's row. So each withheld figure keeps a
 *    rectangle that avoids any one row: one through the national row (no operator knows it), or
 *    two through different rows (a national figure made of one province's part alone needs
 *    none against that province's operator: it tells them only about their own people).
 *
 * Rectangles are chosen greedily, cheapest first: cells before totals, province totals before
 * national ones, the grand total last; among equals, the fewest new figures, then the smallest
 * groups. When no rectangle exists (a degenerate table), every figure of the table is withheld,
 * which is always safe. The choice depends on the data alone, never on the caller or the
 * question, so an answer is the same alone, beside others or from a cache.
 */

/** The key of a row's total (as a column) and of a column's total (as a row). */
export const TOTAL = '*';

export type Withholding = 'SMALL_GROUP' | 'COMPLEMENTARY';

export interface CountCell {
  row: string;
  column: string;
  /** Distinct persons behind the figure. */
  persons: number;
  /** The figure that may be withheld. */
  value: number;
  /** Its public upper bound (the figure lies between 0 and it). */
  bound: number;
}

export interface CountTable {
  cells: readonly CountCell[];
  /**
   * Distinct persons behind a row's or column's total, or the grand total (both keys TOTAL),
   * where that is not the sum of its cells' persons (one person in several years). Where it is
   * missing, the sum is used: exact for librarians (one level each), and for training large
   * enough whenever a cell alone reaches k.
   */
  marginPersons?: (row: string, column: string) => number | undefined;
}

export interface Protection {
  /** Why the figure at (row, column) is withheld, or null; TOTAL for a row's or column's total. */
  reason(row: string, column: string): Withholding | null;
  /** How many figures are withheld, by reason (for tests and metrics). */
  readonly counts: Record<Withholding, number>;
}

interface Figure {
  row: string;
  column: string;
  persons: number;
  value: number;
  bound: number;
  /** 0 for a cell, 1 for a row's total, 2 for a column's total, 3 for the grand total. */
  tier: number;
  /** −1 for a row's or column's total, +1 otherwise: the sign its change takes on a rectangle. */
  sign: number;
}

const key = (row: string, column: string) => `${row}\u0000${column}`;

/** Builds the grid of cells and totals with their values, bounds and persons. */
function grid(table: CountTable): {
  rows: string[];
  columns: string[];
  figures: Map<string, Figure>;
} {
  const rows = [...new Set(table.cells.map((cell) => cell.row))].sort();
  const columns = [...new Set(table.cells.map((cell) => cell.column))].sort();
  const figures = new Map<string, Figure>();
  const add = (row: string, column: string, persons: number, value: number, bound: number) => {
    const margins = (row === TOTAL ? 1 : 0) + (column === TOTAL ? 1 : 0);
    const figure = figures.get(key(row, column)) ?? {
      row,
      column,
      persons: 0,
      value: 0,
      bound: 0,
      tier: row === TOTAL ? (column === TOTAL ? 3 : 2) : column === TOTAL ? 1 : 0,
      sign: margins === 1 ? -1 : 1,
    };
    figure.persons += persons;
    figure.value += value;
    figure.bound += bound;
    figures.set(key(row, column), figure);
  };
  for (const cell of table.cells) {
    for (const row of [cell.row, TOTAL]) {
      for (const column of [cell.column, TOTAL]) {
        add(row, column, cell.persons, cell.value, cell.bound);
      }
    }
  }
  for (const figure of figures.values()) {
    if (figure.tier === 0) continue;
    const persons = table.marginPersons?.(figure.row, figure.column);
    if (persons !== undefined) figure.persons = persons;
  }
  return { rows: [...rows, TOTAL], columns: [...columns, TOTAL], figures };
}

/** Whether a figure may move by `change` and stay within 0 and its bound. */
function canMove(figure: Figure | undefined, change: number): boolean {
  if (!figure || figure.bound === 0) return false;
  const moved = figure.value + change;
  return moved >= 0 && moved <= figure.bound;
}

const TIER_COST = [0, 1e12, 1e13, 1e14];

/** Withholds what a caller who may read none of the table's people must not see. */
export function protectTable(table: CountTable, minimumGroupSize: number): Protection {
  const { rows, columns, figures } = grid(table);
  const withheld = new Map<string, Withholding>();
  /** For each withheld figure, the other rows of the rectangles that protect it. */
  const partners = new Map<string, Set<string>>();

  for (const [at, figure] of figures) {
    if (figure.persons > 0 && figure.persons < minimumGroupSize) withheld.set(at, 'SMALL_GROUP');
  }
  const protectedEnough = (figure: Figure) => {
    // A figure whose bound is 0 is 0 by public counts: nothing to protect.
    if (figure.bound === 0) return true;
    const others = partners.get(key(figure.row, figure.column));
    if (!others) return false;
    if (others.size >= 2 || (others.has(TOTAL) && figure.row !== TOTAL)) return true;
    // A national figure made only of the partner row's part tells its operator nothing new.
    const [only] = others;
    return figure.row === TOTAL && figures.get(key(only!, figure.column))?.bound === figure.bound;
  };

  const corners = (row: string, column: string, otherRow: string, otherColumn: string) => [
    { at: key(row, column), diagonal: 1, other: otherRow },
    { at: key(row, otherColumn), diagonal: -1, other: otherRow },
    { at: key(otherRow, column), diagonal: -1, other: row },
    { at: key(otherRow, otherColumn), diagonal: 1, other: row },
  ];

  /** The cheapest rectangle through `figure` with a row it is not yet protected through. */
  const cheapestRectangle = (figure: Figure) => {
    const known = partners.get(key(figure.row, figure.column));
    let best: { cost: number; corners: ReturnType<typeof corners> } | undefined;
    for (const otherRow of rows) {
      if (otherRow === figure.row || known?.has(otherRow)) continue;
      for (const otherColumn of columns) {
        if (otherColumn === figure.column) continue;
        const candidate = corners(figure.row, figure.column, otherRow, otherColumn);
        const feasible = [1, -1].some((direction) =>
          candidate.every(({ at, diagonal }) => {
            const corner = figures.get(at);
            return canMove(corner, direction * diagonal * (corner?.sign ?? 1));
          }),
        );
        if (!feasible) continue;
        let cost = 0;
        for (const { at } of candidate) {
          if (withheld.has(at)) continue;
          const corner = figures.get(at)!;
          cost += TIER_COST[corner.tier]! + 1e6 + corner.persons;
        }
        if (!best || cost < best.cost) best = { cost, corners: candidate };
      }
    }
    return best;
  };

  const order = (a: Figure, b: Figure) =>
    a.persons - b.persons ||
    a.tier - b.tier ||
    (key(a.row, a.column) < key(b.row, b.column) ? -1 : 1);
  let unprotected = true;
  while (unprotected) {
    unprotected = false;
    const pending = [...withheld.keys()]
      .map((at) => figures.get(at)!)
      .filter((figure) => !protectedEnough(figure))
      .sort(order);
    for (const figure of pending) {
      if (protectedEnough(figure)) continue;
      const rectangle = cheapestRectangle(figure);
      if (!rectangle) return withholdEverything(figures, withheld);
      for (const { at, other } of rectangle.corners) {
        if (!withheld.has(at)) withheld.set(at, 'COMPLEMENTARY');
        const set = partners.get(at) ?? new Set<string>();
        set.add(other);
        partners.set(at, set);
      }
      unprotected = true;
    }
  }
  return protection(withheld);
}

function withholdEverything(
  figures: Map<string, Figure>,
  withheld: Map<string, Withholding>,
): Protection {
  for (const [at, figure] of figures) {
    if (!withheld.has(at) && figure.bound > 0) withheld.set(at, 'COMPLEMENTARY');
  }
  return protection(withheld);
}

function protection(withheld: Map<string, Withholding>): Protection {
  const counts: Record<Withholding, number> = { SMALL_GROUP: 0, COMPLEMENTARY: 0 };
  for (const reason of withheld.values()) counts[reason] += 1;
  return { reason: (row, column) => withheld.get(key(row, column)) ?? null, counts };
}

/** A figure an answer leaves out, as the schema's `WithheldFigure`. */
export interface WithheldFigure {
  field: string;
  reason: Withholding;
}

/**
 * The fields of the figure at (row, column) that a caller is refused, with the reason: none
 * when the figure is published, or when the caller may read the people behind it (`mayRead`).
 */
export function withheldFields(
  protection: Protection,
  row: string,
  column: string,
  mayRead: boolean,
  fields: readonly string[],
): WithheldFigure[] {
  const reason = mayRead ? null : protection.reason(row, column);
  return reason ? fields.map((field) => ({ field, reason })) : [];
}

/** `Query.disclosureControl`, the same in every subgraph that publishes aggregates. */
export function disclosureControl() {
  return { minimumGroupSize: MIN_GROUP_SIZE };
}
