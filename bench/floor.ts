/**
 * Target E of `npm run bench`, the floor: what the subgraphs cost without any gateway. One
 * execution of each operation through an in-process `@apollo/gateway` (the planner our gateway
 * uses too) records its query plan and every request it sends to a subgraph, with the answer;
 * the floor then replays those requests as they are, in the plan's order: a Sequence one after
 * the other, a Parallel at the same time. Nothing is planned, merged or checked at run time, so
 * no gateway can do less than this to answer the same operation.
 */
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { GATEWAY_CREDENTIAL_HEADER } from '@coop/common';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type Experimental_DidResolveQueryPlanCallback,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { FetcherRequestInit } from '@apollo/utils.fetcher';
import { graphQLPost, send, type GraphQLPost } from './http-client';
import type { BenchOperation } from './operations';
import { enforcedSupergraph } from '../gateway/access';

type QueryPlan = Parameters<Experimental_DidResolveQueryPlanCallback>[0]['queryPlan'];
type PlanNode = NonNullable<QueryPlan['node']>;

/** The requests one execution sends, arranged as its plan runs them. */
export type Replay =
  | { kind: 'sequence' | 'parallel'; steps: Replay[] }
  | { kind: 'fetch'; service: string; request: GraphQLPost; answer: unknown };

interface RecordedFetch {
  service: string;
  url: string;
  payload: { query: string };
  answer: unknown;
}

export interface FloorRecorder {
  record(operation: BenchOperation): Promise<Replay>;
  stop(): Promise<void>;
}

/** The subgraphs answer a gateway only: the stack's SUBGRAPH_SECRET, set by run.ts. */
function asTheGateway(): Record<string, string> {
  return { [GATEWAY_CREDENTIAL_HEADER]: process.env.SUBGRAPH_SECRET ?? '' };
}

/** Starts the recording gateway on `supergraphFile` (its routing URLs: the subgraphs to ask). */
export async function startFloorRecorder(
  supergraphFile: string,
  authorization: string,
): Promise<FloorRecorder> {
  let recorded: RecordedFetch[] = [];
  const plans: QueryPlan[] = [];
  const recordingFetcher =
    (service: string) =>
    async (url: string, init?: FetcherRequestInit): Promise<Response> => {
      const body = String(init?.body);
      const response = await fetch(url, {
        method: init?.method,
        headers: init?.headers,
        body,
      });
      const text = await response.text();
      recorded.push({ service, url, payload: JSON.parse(body), answer: JSON.parse(text) });
      return new Response(text, { status: response.status, headers: response.headers });
    };
  const gateway = new ApolloGateway({
    supergraphSdl: enforcedSupergraph(fs.readFileSync(supergraphFile, 'utf8')),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url,
        fetcher: recordingFetcher(name),
        willSendRequest({ request }) {
          request.http?.headers.set('authorization', authorization);
          for (const [name, value] of Object.entries(asTheGateway())) {
            request.http?.headers.set(name, value);
          }
        },
      }),
    experimental_didResolveQueryPlan: ({ queryPlan }) => {
      plans.push(queryPlan);
    },
  });
  const server = new ApolloServer({ gateway });
  await server.start();
  return {
    async record(operation) {
      recorded = [];
      plans.length = 0;
      const response = await server.executeOperation({
        query: operation.query,
        variables: operation.variables,
      });
      const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
      const plan = plans.at(-1);
      if (!result || result.errors || !plan?.node) {
        throw new Error(`recording ${operation.name} failed: ${JSON.stringify(result?.errors)}`);
      }
      const replay = replayOf(plan.node, recorded, authorization);
      if (recorded.length > 0) {
        throw new Error(`${operation.name}: ${recorded.length} subgraph requests not in the plan`);
      }
      return replay;
    },
    stop: () => server.stop(),
  };
}

/**
 * Pairs each Fetch node with the request the gateway sent for it (same subgraph, same operation
 * text). A Fetch with nothing to fetch (no entities) was not sent and is left out.
 */
function replayOf(node: PlanNode, recorded: RecordedFetch[], authorization: string): Replay {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return {
        kind: node.kind === 'Sequence' ? 'sequence' : 'parallel',
        steps: node.nodes.map((child) => replayOf(child, recorded, authorization)),
      };
    case 'Flatten':
      return replayOf(node.node, recorded, authorization);
    case 'Fetch': {
      const index = recorded.findIndex(
        (fetch) => fetch.service === node.serviceName && fetch.payload.query === node.operation,
      );
      if (index < 0) return { kind: 'sequence', steps: [] };
      const [fetch] = recorded.splice(index, 1);
      return {
        kind: 'fetch',
        service: fetch!.service,
        request: graphQLPost(fetch!.url, fetch!.payload, authorization, asTheGateway()),
        answer: fetch!.answer,
      };
    }
    default:
      throw new Error(`the floor cannot replay a ${node.kind} plan node`);
  }
}

/** Sends the recorded requests as the plan orders them; resolves when the last answer is in. */
export async function replay(step: Replay): Promise<void> {
  switch (step.kind) {
    case 'fetch':
      await send(step.request);
      return;
    case 'parallel':
      await Promise.all(step.steps.map(replay));
      return;
    case 'sequence':
      for (const child of step.steps) await replay(child);
  }
}

/** Replays once and fails unless every subgraph answers exactly what it answered the gateway. */
export async function checkReplay(step: Replay, operation: string): Promise<void> {
  switch (step.kind) {
    case 'fetch': {
      const answer: unknown = JSON.parse((await send(step.request)).toString());
      if (!isDeepStrictEqual(answer, step.answer)) {
        throw new Error(`${operation}: ${step.service} answers the floor's replay differently`);
      }
      return;
    }
    case 'parallel':
      await Promise.all(step.steps.map((child) => checkReplay(child, operation)));
      return;
    case 'sequence':
      for (const child of step.steps) await checkReplay(child, operation);
  }
}

/** The plan's shape in one line, e.g. `library → (bpsdm-central ∥ bpsdm-regional)`. */
export function describeReplay(step: Replay, nested = false): string {
  if (step.kind === 'fetch') return step.service;
  const parts = step.steps.map((child) => describeReplay(child, true)).filter(Boolean);
  if (parts.length <= 1) return parts[0] ?? '';
  const joined = parts.join(step.kind === 'sequence' ? ' → ' : ' ∥ ');
  return nested ? `(${joined})` : joined;
}

export function fetchCount(step: Replay): number {
  return step.kind === 'fetch' ? 1 : step.steps.reduce((sum, child) => sum + fetchCount(child), 0);
}
