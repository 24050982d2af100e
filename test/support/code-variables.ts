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

/** Every way this code reads a variable: process.env.X, env.X, intFromEnv('X'…), `Variable: 'X'`. */
const READS = [
  /process\.env\.([A-Z][A-Z0-9_]*)/g,
  /process\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
  /\benv\.([A-Z][A-Z0-9_]*)/g,
  /\w+FromEnv\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
  /Variable:\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
];

/** Variable names the programs a user runs read, each with the first file that reads it. */
export function variablesTheCodeReads(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ['packages/common/src', 'services', 'gateway', 'scripts'].flatMap(
    sourceFiles,
  )) {
    const text = readSource(file);
    for (const pattern of READS) {
      for (const match of text.matchAll(pattern)) {
        if (!found.has(match[1]!)) found.set(match[1]!, file);
      }
    }
  }
  // config.ts reads these through `process.env[service.portVariable]` and `[service.urlVariable]`.
  for (const service of SERVICES) {
    if (!found.has(service.portVariable))
      found.set(service.portVariable, 'packages/common/src/config.ts');
    if (!found.has(service.urlVariable))
      found.set(service.urlVariable, 'packages/common/src/config.ts');
  }
  return found;
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
