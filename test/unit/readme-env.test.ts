import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the programs a user runs read their settings (tests and the bench have their own). */
const CODE_DIRS = ['gateway', 'packages', 'services', 'scripts'];

/** Every way this code reads a variable: process.env.X, env.X, intFromEnv('X'…), `Variable: 'X'`. */
const READS = [
  /process\.env\.([A-Z][A-Z0-9_]+)/g,
  /process\.env\[\s*['"]([A-Z][A-Z0-9_]+)['"]\s*\]/g,
  /\benv\.([A-Z][A-Z0-9_]+)/g,
  /\w+FromEnv\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
  /Variable:\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function variablesReadByCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of CODE_DIRS.flatMap((dir) => sourceFiles(path.join(ROOT, dir)))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const pattern of READS) {
      for (const match of text.matchAll(pattern)) {
        if (!found.has(match[1]!)) found.set(match[1]!, path.relative(ROOT, file));
      }
    }
  }
  return found;
}

function variablesInReadme(): Set<string> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const documented = new Set<string>();
  for (const line of readme.split('\n')) {
    if (!line.startsWith('|')) continue;
    const firstCell = line.split('|')[1] ?? '';
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) documented.add(match[1]!);
  }
  return documented;
}

describe("README's environment table", () => {
  it('lists every variable the code reads', () => {
    const documented = variablesInReadme();
    const missing = [...variablesReadByCode()]
      .filter(([name]) => !documented.has(name))
      .map(([name, file]) => `${name} (read in ${file})`);
    if (missing.length > 0) {
      throw new Error(`README's environment table lacks: ${missing.join(', ')}`);
    }
  });

  it('finds the variables however they are read', () => {
    const read = variablesReadByCode();
    for (const name of ['MAX_QUERY_COST', 'INTROSPECTION', 'LIBRARY_PORT', 'DATABASE_URL']) {
      expect(read.has(name)).toBe(true);
    }
  });
});
