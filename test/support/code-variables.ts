import fs from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@coop/common/config';

/** What the deployment files (compose, Kubernetes) are checked against: the code itself. */

export const ROOT = path.resolve(__dirname, '..', '..');
export const readSource = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Every TypeScript file under `dir` (node_modules left out). */
export function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Variable names the code reads: `process.env.X`, `process.env['X']`, `intFromEnv('X', …)`. */
export function variablesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  const patterns = [
    /process\.env\.([A-Z][A-Z0-9_]*)/g,
    /process\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
    /intFromEnv\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
  ];
  for (const file of ['packages/common/src', 'services', 'gateway', 'scripts'].flatMap(
    sourceFiles,
  )) {
    const text = readSource(file);
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) names.add(match[1]!);
    }
  }
  // config.ts reads these through `process.env[service.portVariable]` and `[service.urlVariable]`.
  for (const service of SERVICES) {
    names.add(service.portVariable);
    names.add(service.urlVariable);
  }
  return names;
}

/**
 * The subgraphs each subgraph asks directly, through `queryService` (service-client.ts): the
 * services named in its files that call it. These need the callee's `<NAME>_URL` and a way
 * through the network.
 */
export function subgraphsCalledBy(name: string): string[] {
  const others = SERVICES.map((service) => service.name).filter((other) => other !== name);
  const called = new Set<string>();
  for (const file of sourceFiles(`services/${name}`)) {
    const text = readSource(file);
    if (!/\bqueryService\b/.test(text)) continue;
    for (const other of others) {
      if (new RegExp(`['"]${other}['"]`).test(text)) called.add(other);
    }
  }
  return [...called].sort();
}

/** Paths a server answers with `app.get('/path', …)` in one source file. */
export function getRoutes(file: string): Set<string> {
  return new Set([...readSource(file).matchAll(/app\.get\(\s*'(\/[^']*)'/g)].map((m) => m[1]!));
}
