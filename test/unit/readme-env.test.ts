import { readSource, variablesTheCodeReads } from '../support/code-variables';

function variablesInReadme(): Set<string> {
  const readme = readSource('README.md');
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
    const missing = [...variablesTheCodeReads()]
      .filter(([name]) => !documented.has(name))
      .map(([name, file]) => `${name} (read in ${file})`);
    if (missing.length > 0) {
      throw new Error(`README's environment table lacks: ${missing.join(', ')}`);
    }
  });

  it('finds the variables however they are read', () => {
    const read = variablesTheCodeReads();
    for (const name of ['MAX_QUERY_COST', 'INTROSPECTION', 'LIBRARY_PORT', 'DATABASE_URL']) {
      expect(read.has(name)).toBe(true);
    }
  });
});
