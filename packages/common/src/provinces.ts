import fs from 'node:fs';
import path from 'node:path';

export interface Province {
  /** Kemendagri region code, e.g. `32`. */
  code: string;
  name: string;
  capital: string;
}

let cached: Province[] | undefined;

/** The 38 provinces of Indonesia with their Kemendagri codes and capitals. */
export function provinces(): Province[] {
  if (!cached) {
    const text = fs.readFileSync(path.join(__dirname, '..', 'data', 'provinces.csv'), 'utf8');
    cached = text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [code, name, capital] = line.split(',').map((cell) => cell.trim());
        if (!code || !name || !capital) throw new Error(`Malformed province line: ${line}`);
        return { code, name, capital };
      });
  }
  return cached;
}
