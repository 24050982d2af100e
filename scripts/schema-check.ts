/**
 * `npm run schema:check`: compares the API schema composed from the services with the last
 * released one (schema/released.graphql) and fails on a breaking change that CHANGELOG.md does
 * not record with its deprecation (format in CHANGELOG.md and README, "Schema changes").
 * `npm run schema:check -- --release` writes the current schema as released.
 * It also validates every operation of the contract (contract/operations) against the schema.
 * `--root <dir>` checks a copy of the repository instead (tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, validate, type GraphQLSchema } from 'graphql';
import { readOperations } from '../contract';
import { composeSupergraph, ROOT } from '../gateway/compose';
import { apiSchemaOf, publicSchemaSdl } from '../gateway/public-schema';

/** `- \`Type.field\` … deprecated since YYYY-MM-DD …`: a breaking change announced ahead. */
function recordedBreakingChanges(changelog: string): Set<string> {
  const recorded = new Set<string>();
  for (const line of changelog.split('\n')) {
    const match = /^\s*[-*] `([^`]+)`.*\bdeprecated since \d{4}-\d{2}-\d{2}\b/i.exec(line);
    if (match) recorded.add(match[1]!);
  }
  return recorded;
}

function describe(change: Change): string {
  return `${change.path ?? '(schema)'}: ${change.message}`;
}

/** The contract's operations that the schema no longer answers, with graphql-js's reasons. */
function invalidOperations(schema: GraphQLSchema, root: string): string[] {
  const dir = path.join(root, 'contract', 'operations');
  if (!fs.existsSync(dir)) return [];
  return readOperations(dir).flatMap((operation) =>
    validate(schema, operation.document).map((error) => `${operation.name}: ${error.message}`),
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { root: { type: 'string', default: ROOT }, release: { type: 'boolean' } },
  });
  const root = path.resolve(values.root!);
  const releasedPath = path.join(root, 'schema', 'released.graphql');
  const current = publicSchemaSdl(await apiSchemaOf(composeSupergraph(root).supergraphSdl));
  if (values.release) {
    fs.writeFileSync(releasedPath, current);
    console.log(`Wrote ${releasedPath}`);
    return 0;
  }
  const currentSchema = buildSchema(current);
  const invalid = invalidOperations(currentSchema, root);
  if (invalid.length > 0) {
    console.error(
      [
        `schema:check: ${invalid.length} error(s) in the contract's operations (contract/operations):`,
        ...invalid.map((line) => `  - ${line}`),
      ].join('\n'),
    );
    return 1;
  }
  const changes = await diff(buildSchema(fs.readFileSync(releasedPath, 'utf8')), currentSchema);
  const changelogPath = path.join(root, 'CHANGELOG.md');
  const recorded = recordedBreakingChanges(
    fs.existsSync(changelogPath) ? fs.readFileSync(changelogPath, 'utf8') : '',
  );
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const unrecorded = breaking.filter((change) => !change.path || !recorded.has(change.path));
  for (const change of changes) {
    const level = change.criticality.level;
    const note = level === CriticalityLevel.Breaking && !unrecorded.includes(change);
    console.log(`${level}${note ? ' (recorded in CHANGELOG.md)' : ''} ${describe(change)}`);
  }
  if (unrecorded.length > 0) {
    console.error(
      [
        `schema:check: ${unrecorded.length} breaking change(s) against schema/released.graphql not recorded in CHANGELOG.md:`,
        ...unrecorded.map((change) => `  - ${describe(change)}`),
        'Deprecate first (@deprecated(reason: "Use … instead")), release, and only then remove,',
        'recording each removal as: - `Type.field` removed: deprecated since YYYY-MM-DD (use …)',
      ].join('\n'),
    );
    return 1;
  }
  console.log(
    `schema:check: ${changes.length} change(s) against schema/released.graphql, none breaking unrecorded`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
