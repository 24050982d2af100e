import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import {
  authConfig,
  GATEWAY_CREDENTIAL_HEADER,
  signDevToken,
  type Role,
  type TokenClaims,
} from '@coop/common';

/** The running graph the integration tests talk to (started by global-setup.ts). */
export interface TestStack {
  gatewayUrl: string;
  /** Base URL of each subgraph (without `/graphql`). */
  subgraphUrls: Record<'library' | 'bpsdm-central' | 'bpsdm-regional', string>;
  /** Where the graph's development key pair is: tests sign their tokens with it. */
  devKeyDir: string;
  /** Where the graph's processes write their logs for this run. */
  logFile: string;
  /** The gateway's credential to the subgraphs (SUBGRAPH_SECRET) for this run. */
  subgraphSecret: string;
  /** The seed plan the graph was started with. */
  seedScale: 'small' | 'large';
  /** DATABASE_URL of each service (one database, or one embedded PostgreSQL each). */
  databaseUrls: Record<'library' | 'bpsdm-central' | 'bpsdm-regional', string>;
}

export function testStack(): TestStack {
  const raw = process.env.TEST_STACK;
  if (!raw) throw new Error('TEST_STACK is not set: integration tests run under jest globalSetup');
  return JSON.parse(raw) as TestStack;
}

/** Each subgraph's GraphQL endpoint, for gateways a test starts itself. */
export function subgraphGraphqlUrls(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(testStack().subgraphUrls).map(([name, base]) => [name, `${base}/graphql`]),
  );
}

/** A token signed with the graph's development key. */
export function tokenFor(
  role: Role,
  provinceCode?: string,
  extra: Partial<TokenClaims> = {},
): Promise<string> {
  return signDevToken(
    { role, provinceCode, ...extra },
    { ...authConfig(), devKeyDir: testStack().devKeyDir },
  );
}

export const adminToken = () => tokenFor('admin');

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface RequestOptions {
  /** Where to send it: the gateway unless told otherwise. */
  url?: string;
  /** Bearer token; none means an anonymous request. */
  token?: string;
  /** Computed, never answered from the gateway's response cache (see `uncachedText`). */
  fresh?: boolean;
  /**
   * Sent to a subgraph as the gateway sends it, with the gateway's credential: true by default
   * when `url` is a subgraph's (tests of what a subgraph does with what reaches it); false for
   * a request from anybody else.
   */
  asGateway?: boolean;
}

/** The gateway's credential header, for a request to a subgraph made as the gateway makes it. */
export function asTheGateway(): Record<string, string> {
  return { [GATEWAY_CREDENTIAL_HEADER]: testStack().subgraphSecret };
}

/**
 * The same operation under a text no earlier request used (a comment differs): the response
 * cache keys answers on the exact text, so the graph computes it. For tests that measure or
 * break what the subgraphs do.
 */
export function uncachedText(query: string): string {
  return `${query}\n# ${randomUUID()}`;
}

/** Sends one operation and returns the HTTP status with the GraphQL answer. */
export async function send<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const response = await fetch(options.url ?? testStack().gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.url && options.url !== testStack().gatewayUrl && options.asGateway !== false
        ? asTheGateway()
        : {}),
    },
    body: JSON.stringify({ query: options.fresh ? uncachedText(query) : query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
}

/** Sends one operation and returns the GraphQL answer. */
export async function graphql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  return (await send<T>(query, variables, options)).body;
}

/** Sends an operation and fails the test on any GraphQL error. */
export async function query<T = Record<string, unknown>>(
  text: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<T> {
  const result = await graphql<T>(text, variables, options);
  if (result.errors?.length) {
    throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
  }
  return result.data as T;
}

/** SQL statements each subgraph has sent so far. */
export async function statementCounts(): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(testStack().subgraphUrls).map(async ([name, base]) => {
      const response = await fetch(`${base}/debug/sql-statements`);
      const body = (await response.json()) as { count: number };
      return [name, body.count] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Runs `operation` and returns how many SQL statements each subgraph sent for it. */
export async function statementsFor(operation: () => Promise<unknown>) {
  const before = await statementCounts();
  await operation();
  const after = await statementCounts();
  return Object.fromEntries(
    Object.entries(after).map(([name, count]) => [name, count - (before[name] ?? 0)]),
  );
}

/** Rows of one SQL statement on a service's database, as the tests' oracle (read-only use). */
export async function sqlOf<T>(
  service: keyof TestStack['databaseUrls'],
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: testStack().databaseUrls[service] });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
