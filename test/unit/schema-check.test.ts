import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVICES } from '@coop/common';
import { ROOT } from '../../scripts/lib/processes';

const run = promisify(execFile);

/** A copy of what the check reads: the services' SDL, the released schema, the changelog. */
function copyOfRepository(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-schema-check-'));
  for (const { name } of SERVICES) {
    fs.mkdirSync(path.join(root, 'services', name), { recursive: true });
    fs.copyFileSync(
      path.join(ROOT, 'services', name, 'schema.graphql'),
      path.join(root, 'services', name, 'schema.graphql'),
    );
  }
  fs.mkdirSync(path.join(root, 'schema'));
  fs.copyFileSync(
    path.join(ROOT, 'schema', 'released.graphql'),
    path.join(root, 'schema', 'released.graphql'),
  );
  fs.copyFileSync(path.join(ROOT, 'CHANGELOG.md'), path.join(root, 'CHANGELOG.md'));
  return root;
}

/** Edits the library's SDL inside `type Facility`. */
function editFacility(root: string, edit: (block: string) => string) {
  const file = path.join(root, 'services', 'library', 'schema.graphql');
  const sdl = fs.readFileSync(file, 'utf8');
  const start = sdl.indexOf('type Facility @key');
  const end = sdl.indexOf('\n}', start);
  fs.writeFileSync(file, sdl.slice(0, start) + edit(sdl.slice(start, end)) + sdl.slice(end));
}

/** `npm run schema:check` as CI runs it, on the copy. */
async function schemaCheck(root: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'scripts', 'schema-check.ts'), '--root', root],
      { cwd: ROOT },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('npm run schema:check', () => {
  const removed = copyOfRepository();
  editFacility(removed, (block) => block.replace('  "Street address."\n  address: String!\n', ''));
  const added = copyOfRepository();
  editFacility(added, (block) => `${block}\n  "Floor the room is on."\n  floor: Int`);
  const recorded = copyOfRepository();
  editFacility(recorded, (block) => block.replace('  "Street address."\n  address: String!\n', ''));
  fs.appendFileSync(
    path.join(recorded, 'CHANGELOG.md'),
    '- `Facility.address` removed: deprecated since 2026-01-05 (use `Facility.location`)\n',
  );

  // The same recorded removal, in a copy with the contract's operations: CreateFacility reads it.
  const contract = copyOfRepository();
  editFacility(contract, (block) => block.replace('  "Street address."\n  address: String!\n', ''));
  fs.copyFileSync(path.join(recorded, 'CHANGELOG.md'), path.join(contract, 'CHANGELOG.md'));
  fs.cpSync(
    path.join(ROOT, 'contract', 'operations'),
    path.join(contract, 'contract', 'operations'),
    {
      recursive: true,
    },
  );

  // The checks run at once: each composes the graph (several seconds).
  let results: Record<
    'removed' | 'added' | 'recorded' | 'contract',
    { code: number; output: string }
  >;
  beforeAll(async () => {
    const [a, b, c, d] = await Promise.all([removed, added, recorded, contract].map(schemaCheck));
    results = { removed: a!, added: b!, recorded: c!, contract: d! };
  }, 120_000);

  it('fails on a field removed from a subgraph, naming it', () => {
    const { code, output } = results.removed;
    expect(code).toBe(1);
    expect(output).toMatch(/breaking change\(s\)[^]*Facility\.address/);
  });

  it('passes a field added', () => {
    const { code, output } = results.added;
    expect(output).toMatch(/Facility\.floor/);
    expect(code).toBe(0);
  });

  it('passes a removal recorded in CHANGELOG.md with its deprecation', () => {
    const { code, output } = results.recorded;
    expect(output).toMatch(/BREAKING \(recorded in CHANGELOG.md\) Facility\.address/);
    expect(code).toBe(0);
  });

  it("fails when a contract operation no longer validates, naming it and graphql-js's reason", () => {
    const { code, output } = results.contract;
    expect(code).toBe(1);
    expect(output).toMatch(/CreateFacility: Cannot query field "address" on type "Facility"/);
  });
});
