import { randomUUID } from 'node:crypto';
import type { RunningService } from '@coop/common';
import { cacheSettingsFromEnv } from '../../gateway/cache-settings';
import { callerBudgetFromEnv } from '../../gateway/caller-budget';
import { limitsFromEnv } from '../../gateway/limits';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';
import { contractText } from '../support/contract';
import { startSubgraph, subgraphEnv, useEnv, type SubgraphName } from '../support/instances';
import { adminToken, query, testStack, uncachedText } from '../support/stack';
import { startStreamingReplica, type StreamingReplica } from '../support/streaming-replica';

/**
 * Reads on a real streaming replica (decision 17): a hot standby of the test database's
 * server, made for this file, and the three subgraphs started with DATABASE_READ_URL on it,
 * behind a gateway of their own (response cache on, in memory).
 */

interface Routing {
  readsServedBy: { replica: number; primary: number };
  replicaStatements: number;
  replicaInRecovery: boolean | null;
}

const NAMES: SubgraphName[] = ['library', 'bpsdm-central', 'bpsdm-regional'];
const onRealServer = Boolean(process.env.DATABASE_URL);

// The embedded PostgreSQL (no DATABASE_URL) cannot stream to a standby.
(onRealServer ? describe : describe.skip)('with DATABASE_READ_URL on a hot standby', () => {
  let replica: StreamingReplica;
  const subgraphs: Partial<Record<SubgraphName, RunningService>> = {};
  let restoreEnv = () => {};
  let gateway: RunningService;
  let admin: string;

  const libraryUrl = () => `http://localhost:${subgraphs.library!.port}`;
  async function routing(): Promise<Routing> {
    return (await (await fetch(`${libraryUrl()}/debug/read-routing`)).json()) as Routing;
  }
  async function statements(): Promise<{ primary: number; replica: number }> {
    const { count } = (await (await fetch(`${libraryUrl()}/debug/sql-statements`)).json()) as {
      count: number;
    };
    const { replicaStatements } = await routing();
    return { primary: count - replicaStatements, replica: replicaStatements };
  }
  const FACILITIES = '{ facilities { id name } }';
  const facilityNames = async (fresh = true) =>
    (
      await query<{ facilities: { name: string }[] }>(
        fresh ? uncachedText(FACILITIES) : FACILITIES,
        {},
        {
          url: gateway.url,
        },
      )
    ).facilities.map((facility) => facility.name);
  const createFacility = async (name: string) =>
    (
      await query<{ createFacility: { id: string; name: string } }>(
        `mutation ($input: CreateFacilityInput!) { createFacility(input: $input) { id name version } }`,
        {
          input: {
            name,
            kind: 'CLASSROOM',
            capacity: 30,
            address: 'Jl. Salemba Raya No. 28A, Jakarta Pusat',
          },
        },
        { url: gateway.url, token: admin },
      )
    ).createFacility;

  beforeAll(async () => {
    admin = await adminToken();
    const database = testStack().databaseUrls.library;
    replica = await startStreamingReplica(database);
    for (const name of NAMES) {
      restoreEnv();
      restoreEnv = useEnv({
        ...subgraphEnv(name),
        DATABASE_READ_URL: replica.urlOf(testStack().databaseUrls[name]),
        // The standby copies the whole server, where other test runs may be loading large
        // seeds: a read waits for it longer than by default rather than go to the primary.
        DATABASE_READ_MAX_WAIT_MS: '2000',
      });
      subgraphs[name] = await startSubgraph(name);
    }
    gateway = await startGateway(
      await freePort(),
      Object.fromEntries(NAMES.map((name) => [name, subgraphs[name]!.url])),
      limitsFromEnv(),
      { ...cacheSettingsFromEnv(), enabled: true, redisUrl: undefined },
      { ...callerBudgetFromEnv(), redisUrl: undefined },
    );
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(Object.values(subgraphs).map((subgraph) => subgraph.stop()));
    restoreEnv();
    await replica?.resumeReplay().catch(() => undefined);
    await replica?.stop();
  }, 60_000);

  // The standby copies the whole server, where other test runs may be loading large seeds: the
  // tests that expect it to serve a read first let it catch up.
  it('serves queries from the standby', async () => {
    await replica.catchUp();
    const before = await statements();
    const routed = await routing();
    expect(routed.replicaInRecovery).toBe(true);
    expect((await facilityNames()).length).toBeGreaterThan(0);
    const after = await statements();
    expect(after.replica).toBeGreaterThan(before.replica);
    expect(after.primary).toBe(before.primary);
    expect((await routing()).readsServedBy.replica).toBe(routed.readsServedBy.replica + 1);
  });

  it('answers the contract operations from the standby, as the shared graph does', async () => {
    const DASHBOARD = contractText('Dashboard');
    await replica.catchUp();
    const before = await statements();
    const here = await query(uncachedText(DASHBOARD), {}, { url: gateway.url, token: admin });
    expect((await statements()).replica).toBeGreaterThan(before.replica);
    expect(here).toEqual(await query(uncachedText(DASHBOARD), {}, { token: admin }));
  });

  it('keeps a mutation, and what it reads, on the primary', async () => {
    const before = await statements();
    const created = await createFacility(`Ruang Replika ${randomUUID()}`);
    expect(created.id).toBeTruthy();
    const after = await statements();
    expect(after.replica).toBe(before.replica);
    expect(after.primary).toBeGreaterThan(before.primary);
  });

  it("shows a write to the writer's next read, also while the standby lags", async () => {
    await replica.pauseReplay();
    try {
      // Cached before the write: the write makes the gateway compute the next answer.
      await facilityNames(false);
      const name = `Ruang Tertinggal ${randomUUID()}`;
      await createFacility(name);
      const routed = await routing();
      // The standby has not applied the write: the read is served by the primary.
      expect(await facilityNames(false)).toContain(name);
      expect((await routing()).readsServedBy.primary).toBe(routed.readsServedBy.primary + 1);
      await replica.resumeReplay();
      await replica.catchUp();
      // Once the standby has applied it, reads go back to it, and see it.
      const servedByReplica = (await routing()).readsServedBy.replica;
      let names: string[] = [];
      for (let attempt = 0; attempt < 200; attempt += 1) {
        names = await facilityNames();
        if ((await routing()).readsServedBy.replica > servedByReplica) break;
      }
      expect((await routing()).readsServedBy.replica).toBe(servedByReplica + 1);
      expect(names).toContain(name);
    } finally {
      await replica.resumeReplay();
    }
  });

  it('starts, and reads from the primary, when the replica cannot be reached', async () => {
    const restore = useEnv({
      ...subgraphEnv('library'),
      DATABASE_READ_URL: replica
        .urlOf(testStack().databaseUrls.library)
        .replace(`:${replica.port}/`, `:${await freePort()}/`),
      DB_CONNECT_TIMEOUT_MS: '1000',
    });
    const alone = await startSubgraph('library').finally(restore);
    try {
      const base = `http://localhost:${alone.port}`;
      const answer = await query<{ facilities: unknown[] }>(FACILITIES, {}, { url: alone.url });
      expect(answer.facilities.length).toBeGreaterThan(0);
      const routed = (await (await fetch(`${base}/debug/read-routing`)).json()) as Routing;
      expect(routed.readsServedBy).toEqual({ replica: 0, primary: 1 });
      expect(routed.replicaInRecovery).toBeNull();
    } finally {
      await alone.stop();
    }
  });
});
