import loadHighs from 'highs';
import { TOTAL } from '../../packages/common/src/disclosure-control';

/**
 * The attacker of decision 23: given every figure of a table that a caller can read (cells,
 * each row's and column's total, the grand total, TOTAL as the key of a total), and the
 * public bound of each withheld one (value null), it solves for each withheld figure as an
 * integer program — every figure between 0 and its bound, every row and column summing to its
 * total — and names those that can take only one value.
 */
export interface TableFigure {
  row: string;
  column: string;
  /** Null when withheld from the caller. */
  value: number | null;
  /** The public upper bound (the figure lies between 0 and it). */
  bound: number;
}

let solver: ReturnType<typeof loadHighs> | undefined;

export async function pinned(figures: readonly TableFigure[]): Promise<string[]> {
  const highs = await (solver ??= loadHighs());
  const at = new Map(figures.map((figure) => [`${figure.row}/${figure.column}`, figure]));
  const rows = [...new Set(figures.map((figure) => figure.row))];
  const columns = [...new Set(figures.map((figure) => figure.column))];
  const names = new Map<string, string>();
  const variable = (key: string) => {
    if (!names.has(key)) names.set(key, `v${names.size}`);
    return names.get(key)!;
  };
  const constraints: string[] = [];
  const sum = (parts: string[], total: string) => {
    let constant = 0;
    const terms: string[] = [];
    for (const [key, sign] of [...parts.map((p) => [p, 1] as const), [total, -1] as const]) {
      const figure = at.get(key);
      if (!figure) continue;
      if (figure.value !== null) constant -= sign * figure.value;
      else terms.push(`${sign > 0 ? '+' : '-'} ${variable(key)}`);
    }
    if (terms.length) constraints.push(` s${constraints.length}: ${terms.join(' ')} = ${constant}`);
  };
  const inner = (keys: string[]) => keys.filter((key) => key !== TOTAL);
  for (const row of rows) {
    sum(
      inner(columns).map((column) => `${row}/${column}`),
      `${row}/${TOTAL}`,
    );
  }
  for (const column of columns) {
    sum(
      inner(rows).map((row) => `${row}/${column}`),
      `${TOTAL}/${column}`,
    );
  }
  const withheld = figures.filter((figure) => figure.value === null && figure.bound > 0);
  for (const figure of withheld) variable(`${figure.row}/${figure.column}`);
  const bounds = [...names].map(([key, name]) => ` 0 <= ${name} <= ${at.get(key)!.bound}`);
  const solve = (sense: 'Minimize' | 'Maximize', target: string) => {
    const program = [
      sense,
      ` obj: ${target}`,
      'Subject To',
      ...(constraints.length ? constraints : [` s0: ${target} >= 0`]),
      'Bounds',
      ...bounds,
      'Generals',
      ` ${[...names.values()].join(' ')}`,
      'End',
    ].join('\n');
    const result = highs.solve(program, { output_flag: false });
    if (result.Status !== 'Optimal') throw new Error(`${result.Status}:\n${program}`);
    return Math.round(result.ObjectiveValue);
  };
  const found: string[] = [];
  for (const figure of withheld) {
    const target = names.get(`${figure.row}/${figure.column}`)!;
    const min = solve('Minimize', target);
    if (min === solve('Maximize', target)) found.push(`${figure.row}/${figure.column} = ${min}`);
  }
  return found;
}
