import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { RunningService } from '@coop/common';
import { startGateway } from '../../gateway/server';
import { freePort, spawnTypeScript, waitForHealthy } from '../../scripts/lib/processes';
import { subgraphEnv } from '../support/instances';
import {
  sqlOf,
  subgraphGraphqlUrls,
  testStack,
  tokenFor,
  type GraphQLResponse,
} from '../support/stack';

/**
 * Decision 29: a disclosure reaches the trail or the answer is not sent. A library process is
 * killed (SIGKILL) while operators keep reading their province's librarians through a gateway;
 * every answer the clients received with names and NIPs has its records, under its request id.
 */

const PROVINCE = '18';
const READERS = 12;
const KILL_AFTER_MS = 2000;

const READ = `query KillRead($p: String) {
  librarians(first: 100, filter: { provinceCode: $p }) { edges { node { id nip name } } } }`;

interface Received {
  requestId: string;
  librarianIds: string[];
}

let library: ChildProcess | undefined;
let gateway: RunningService | undefined;

beforeAll(async () => {
  const port = await freePort();
  library = spawnTypeScript(
    'services/library/index.ts',
    {
      ...process.env,
      ...subgraphEnv('library'),
      LIBRARY_PORT: String(port),
      SEED_ON_START: 'none',
      SUBGRAPH_SECRET: testStack().subgraphSecret,
      AUTH_DEV_KEY_DIR: testStack().devKeyDir,
      AUTH_JWKS_URL: '',
      AUTH_PUBLIC_KEY: '',
    },
    'pipe',
  );
  // Drained, so that a full pipe never stalls the process.
  library.stdout?.resume();
  library.stderr?.resume();
  await waitForHealthy(`http://localhost:${port}/health`, 60_000, library);
  gateway = await startGateway(await freePort(), {
    ...subgraphGraphqlUrls(),
    library: `http://localhost:${port}/graphql`,
  });
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  if (library && library.exitCode === null && library.signalCode === null) library.kill('SIGKILL');
});

it('every answer received before, during and after the kill has its records', async () => {
  const token = await tokenFor('regional-operator', PROVINCE, {
    subject: `kill-${randomUUID()}`,
  });
  const received: Received[] = [];
  let failed = 0;
  let stop = false;
  const reader = async () => {
    while (!stop) {
      const requestId = `kill-${randomUUID()}`;
      const response = await fetch(gateway!.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ query: READ, variables: { p: PROVINCE } }),
      });
      const body = (await response.json()) as GraphQLResponse<{
        librarians: { edges: { node: { id: string; nip: string | null } }[] } | null;
      }>;
      const edges = body.data?.librarians?.edges ?? [];
      if (edges.some(({ node }) => node.nip)) {
        received.push({ requestId, librarianIds: edges.map(({ node }) => node.id).sort() });
      } else {
        failed += 1;
      }
    }
  };
  const readers = Array.from({ length: READERS }, reader);
  await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
  const exited = new Promise((resolve) => library!.once('exit', resolve));
  library!.kill('SIGKILL');
  await exited;
  await new Promise((resolve) => setTimeout(resolve, 300));
  stop = true;
  await Promise.all(readers);

  // The kill hit requests in flight, and answers had been delivered before it.
  expect(received.length).toBeGreaterThan(READERS);
  expect(failed).toBeGreaterThanOrEqual(READERS);

  const rows = await sqlOf<{ request_id: string; ids: string[]; fields: string[][] }>(
    'library',
    `SELECT request_id, array_agg(librarian_id::text ORDER BY librarian_id) AS ids,
            array_agg(array_to_string(fields, ',')) AS fields
       FROM library.disclosure WHERE request_id = ANY($1) GROUP BY request_id`,
    [received.map(({ requestId }) => requestId)],
  );
  const recorded = new Map(rows.map((row) => [row.request_id, row]));
  const missing = received.filter(({ requestId, librarianIds }) => {
    const row = recorded.get(requestId);
    return !row || JSON.stringify(row.ids) !== JSON.stringify(librarianIds);
  });
  expect(missing).toEqual([]);
  for (const row of rows) {
    expect(new Set(row.fields.map(String))).toEqual(new Set(['Librarian.name,Librarian.nip']));
  }
}, 60_000);
