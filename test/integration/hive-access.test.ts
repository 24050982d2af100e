import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureHiveGatewayInstalled, routeSupergraph } from '../../bench/processes';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { freePort, stopProcess, waitForHealthy } from '../../scripts/lib/processes';
import { send, subgraphGraphqlUrls, tokenFor, type GraphQLResponse } from '../support/stack';

const HIVE_DIR = path.resolve(__dirname, '../../bench/hive');

/**
 * Issue 20, item 3 (access): Hive Gateway with its own authorization, reading the owners'
 * @authenticated, @requiresScopes and @policy from the checked-in supergraph
 * (bench/hive/gateway-access.config.ts), refuses the same fields as our gateway for every kind
 * of caller, and gives the same data for the rest. Its refusals carry its own code
 * (UNAUTHORIZED_FIELD_OR_TYPE) and message; where a field is refused, and the data, must agree.
 */
type Caller = 'anonymous' | 'analyst' | 'regional-operator' | 'admin' | 'librarian';
const CALLERS: Caller[] = ['anonymous', 'analyst', 'regional-operator', 'admin', 'librarian'];

const OPERATIONS: Record<string, string> = {
  aggregates: `{ regionalOffice(provinceCode: "32") { name trainingStats(year: 2025) { runs } librarianStats { librarians } } nationalTrainingStats { runs } }`,
  register: `{ librarians(first: 3, filter: { provinceCode: "32" }) { totalCount edges { node { level name nip lessonHoursCompleted enrolments { id } certifications { status } auditTrail { at } } } } }`,
  runs: `{ programRuns(first: 3, filter: { provinceCode: "32" }) { edges { node { batch enrolmentCount enrolments(first: 2) { totalCount edges { node { status finalScore } } } auditTrail { at } } } } }`,
  catalogue: `{ agreements(first: 2) { edges { node { title auditTrail { at } } } } facilities { name auditTrail { at } } }`,
};

/**
 * Where an answer was refused: error paths without list indexes (ours names each item, Hive
 * the list, as `@`), whatever the code and message.
 */
function refusals(body: GraphQLResponse<unknown>): string[] {
  const keys = (error: { path?: (string | number)[] }) =>
    (error.path ?? []).filter((part) => typeof part === 'string' && part !== '@').join('.');
  return [...new Set((body.errors ?? []).map(keys))].sort();
}

/** Hive leaves a refused field out of the answer, ours answers it null: the same refusal. */
function withRefusedAsNull(theirs: unknown, ours: unknown): unknown {
  if (Array.isArray(theirs) && Array.isArray(ours)) {
    return theirs.map((item, index) => withRefusedAsNull(item, ours[index]));
  }
  if (theirs && ours && typeof theirs === 'object' && typeof ours === 'object') {
    const filled: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(ours as Record<string, unknown>)) {
      const their = (theirs as Record<string, unknown>)[key];
      filled[key] = key in theirs ? withRefusedAsNull(their, value) : value === null ? null : their;
    }
    return filled;
  }
  return theirs;
}

describe('Hive Gateway enforces our declarations with its own authorization', () => {
  let hive: ChildProcess;
  let dir: string;
  let hiveUrl: string;
  const tokens: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    ensureHiveGatewayInstalled();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-hive-access-'));
    const supergraphFile = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(
      supergraphFile,
      routeSupergraph(fs.readFileSync(SUPERGRAPH_PATH, 'utf8'), subgraphGraphqlUrls()),
    );
    const port = await freePort();
    const cli = path.join(HIVE_DIR, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
    hive = spawn(
      process.execPath,
      [
        cli,
        'supergraph',
        supergraphFile,
        '--port',
        String(port),
        '--config-path',
        'gateway-access.config.ts',
      ],
      { cwd: HIVE_DIR, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    hive.stdout?.resume();
    hive.stderr?.resume();
    await waitForHealthy(`http://localhost:${port}/readiness`, 60_000, hive);
    hiveUrl = `http://localhost:${port}/graphql`;
    tokens.analyst = await tokenFor('analyst');
    tokens['regional-operator'] = await tokenFor('regional-operator', '32');
    tokens.admin = await tokenFor('admin');
    // A librarian of province 32, listed by the register operation: its own row among others'.
    const listed = await send<{ librarians: { edges: { node: { id: string } }[] } }>(
      `{ librarians(first: 3, filter: { provinceCode: "32" }) { edges { node { id } } } }`,
      {},
      { token: tokens.admin },
    );
    tokens.librarian = await tokenFor('librarian', undefined, {
      librarianId: listed.body.data!.librarians.edges[1]!.node.id,
    });
  }, 300_000);

  afterAll(async () => {
    if (hive) await stopProcess(hive);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases = Object.keys(OPERATIONS).flatMap((name) =>
    CALLERS.map((caller) => [name, caller] as const),
  );

  const refusedSomewhere: string[] = [];
  it.each(cases)('%s as %s: the same fields refused, the same data', async (name, caller) => {
    const ask = (url?: string) =>
      send(OPERATIONS[name]!, {}, { url, token: tokens[caller], asGateway: false });
    const [ours, theirs] = await Promise.all([ask(), ask(hiveUrl)]);
    expect(refusals(theirs.body)).toEqual(refusals(ours.body));
    expect(withRefusedAsNull(theirs.body.data, ours.body.data)).toEqual(ours.body.data);
    // Refused by Hive itself, before asking any subgraph (which would answer FORBIDDEN or
    // UNAUTHENTICATED, as ours does): every field here is of the caller's own province.
    // A librarian passes Hive's policies: whether a row is its own only the owner can tell,
    // and the owner's FORBIDDEN comes through (decision 30).
    const codes = caller === 'librarian' ? ['UNAUTHORIZED_FIELD_OR_TYPE', 'FORBIDDEN'] : [];
    for (const error of theirs.body.errors ?? []) {
      expect(codes.length ? codes : ['UNAUTHORIZED_FIELD_OR_TYPE']).toContain(
        error.extensions?.code,
      );
    }
    if (theirs.body.errors?.length) refusedSomewhere.push(`${name} as ${caller}`);
  });

  it('compared refusals too: every caller but admins is refused something', () => {
    for (const caller of ['anonymous', 'analyst', 'regional-operator', 'librarian']) {
      expect(refusedSomewhere.some((label) => label.endsWith(` as ${caller}`))).toBe(true);
    }
  });
});
