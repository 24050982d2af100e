import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { PKS_ID } from '@coop/common';
import fc from 'fast-check';
import { parse, type GraphQLSchema } from 'graphql';
import { SAMPLE_IDS_QUERY, sampleIdsFrom, type SampleIds } from '../../bench/operations';
import { routeSupergraph } from '../../bench/processes';
import { contractOperations } from '../../contract';
import { enforcedSupergraph } from '../../gateway/access';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { limitsFromEnv, operationCost } from '../../gateway/limits';
import { indexSupergraph } from '../../gateway/operation-analysis';
import { hiveDemandControl, soleSubgraph } from '../support/hive-demand-control';
import { adminToken, graphql, send, subgraphGraphqlUrls, testStack } from '../support/stack';

/**
 * Issue 20: Hive Gateway's own demand control (`demandControl`, with our MAX_QUERY_COST), on our
 * supergraph and our subgraphs, counts the owners' `@cost`/`@listSize` as our gateway does:
 * the same cost for the contract's operations one subgraph answers, the contract's operations
 * let through by both, and generated operations around the limit refused by both or by neither.
 * Where an operation spans subgraphs Hive counts each subgraph request apart (decision 25).
 */

const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
const index = indexSupergraph(supergraphSdl);
const { maxCost } = limitsFromEnv();
let hive: ReturnType<typeof hiveDemandControl>;
let schema: GraphQLSchema;
let admin: string;
let ids: SampleIds;

beforeAll(async () => {
  hive = hiveDemandControl(routeSupergraph(supergraphSdl, subgraphGraphqlUrls()), {
    kind: 'real',
    credential: testStack().subgraphSecret,
    maxCost,
  });
  const gateway = new ApolloGateway({ supergraphSdl: enforcedSupergraph(supergraphSdl) });
  schema = (await gateway.load()).schema;
  await gateway.stop();
  admin = await adminToken();
  ids = sampleIdsFrom((await graphql(SAMPLE_IDS_QUERY, {}, { token: admin })).data, PKS_ID);
}, 120_000);
afterAll(() => hive?.stop());

function variablesFor(name: string): Record<string, unknown> {
  const byName: Record<string, Record<string, unknown>> = {
    Agreement: { id: ids.agreementId },
    Profile: { id: ids.librarianId },
    Verify: { n: ids.certificateNumber },
    DashboardPage: { year: 2025, fromYear: 2016, toYear: 2025 },
  };
  return byName[name] ?? {};
}

describe('Hive Gateway’s demand control on our supergraph', () => {
  it('lets the contract’s reads through as ours does, at the same cost where one subgraph answers', async () => {
    const costs: Record<string, { ours: number; hive: number | undefined }> = {};
    for (const operation of contractOperations().filter((op) => op.type === 'query')) {
      const variables = variablesFor(operation.name);
      const ours = operationCost(schema, operation.document, operation.name, variables);
      const theirs = await hive.cost(operation.body, variables, admin);
      expect({ operation: operation.name, errors: theirs.errors }).toEqual({
        operation: operation.name,
        errors: [],
      });
      expect(ours).toBeLessThanOrEqual(maxCost);
      costs[operation.name] = { ours, hive: theirs.estimated };
      if (soleSubgraph(schema, index, operation.body))
        expect(costs[operation.name]!.hive).toBe(ours);
    }
    expect(Object.keys(costs).length).toBeGreaterThanOrEqual(6);
  });

  it('refuses what ours refuses, and lets through what ours lets through (generated)', async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        async (copies, runs, enrolments) => {
          const one = (i: number) => `r${i}: programRuns(first: ${runs}) { totalCount
            edges { node { id enrolments(first: ${enrolments}) { edges { node { status run { id } } } } } } }`;
          const text = `{ ${Array.from({ length: copies }, (_, i) => one(i)).join(' ')} }`;
          const ours = operationCost(schema, parse(text), undefined, {});
          const answer = await send(text, {}, { token: admin, fresh: true });
          const theirs = await hive.cost(text, {}, admin);
          const ourCode = answer.body.errors?.[0]?.extensions?.code;
          const hiveCode = theirs.errors[0]?.extensions?.code;
          if (ours > maxCost) {
            refused += 1;
            expect([ourCode, hiveCode]).toEqual([
              'QUERY_TOO_COMPLEX',
              'COST_ESTIMATED_TOO_EXPENSIVE',
            ]);
          } else {
            expect([ourCode, hiveCode, theirs.estimated]).toEqual([undefined, undefined, ours]);
          }
        },
      ),
      {
        numRuns: 12,
        examples: [
          [8, 100, 100],
          [1, 20, 20],
        ],
      },
    );
    expect(refused).toBeGreaterThan(0);
  });
});
