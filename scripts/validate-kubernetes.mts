/**
 * Validates Kubernetes manifests offline against the API's schemas as the `kubernetes-models`
 * package ships them (generated from Kubernetes' OpenAPI document, installed by `npm ci`):
 * its validators check types, formats and required fields, and TypeScript's check of the same
 * package's types refuses the fields a schema does not have (a misspelt `readinessProbe` is
 * silently dropped by the API server otherwise).
 *
 * Reads a JSON array of manifests on stdin; prints a JSON array with each one's problems.
 * An ES module: the package is published as ES modules only.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const KIND = /^[A-Z][A-Za-z]+$/;
const API_VERSION = /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/;

/** The package's module for an apiVersion and kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
function modelModule(manifest: Manifest): string | undefined {
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  if (!API_VERSION.test(apiVersion) || !KIND.test(kind)) return undefined;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function schemaProblems(manifest: Manifest): Promise<string[]> {
  const module = modelModule(manifest);
  if (!module) return ['apiVersion and kind do not name a Kubernetes type'];
  let model: { new (data: unknown): { validate(): void } } | undefined;
  try {
    model = ((await import(module)) as Record<string, typeof model>)[manifest.kind as string];
  } catch {
    // no such module: an unknown kind or version
  }
  if (!model) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  try {
    new model(manifest).validate();
    return [];
  } catch (error) {
    return [String((error as Error).message)];
  }
}

/** Fields the types do not declare, found by TypeScript's excess property check. */
function strictProblems(manifests: Manifest[]): string[][] {
  const problems: string[][] = manifests.map(() => []);
  const lines = manifests.map((manifest, index) => {
    const module = modelModule(manifest);
    return module
      ? `export const m${index}: import('${module}').I${manifest.kind as string} = ${JSON.stringify(manifest)};`
      : '';
  });
  const dir = path.join(ROOT, '.data', 'kubernetes-check');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `manifests-${process.pid}.mts`);
  fs.writeFileSync(file, lines.join('\n'));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) continue;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    problems[line]?.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '));
  }
  fs.rmSync(file);
  return problems;
}

const manifests = JSON.parse(fs.readFileSync(0, 'utf8')) as Manifest[];
const strict = strictProblems(manifests);
const results = await Promise.all(
  manifests.map(async (manifest, index) => [
    ...(await schemaProblems(manifest)),
    ...(strict[index] ?? []),
  ]),
);
process.stdout.write(JSON.stringify(results));
