import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { plannerRefusalPlugin } from '../../gateway/planner-refusals';
import { enforcedSupergraph } from '../../gateway/access';

/**
 * The gateway's query planner, without the validation rules that refuse what it cannot plan:
 * what it refuses is still a 400 without colour codes. No subgraph is asked: planning fails first.
 */
describe('what the query planner refuses', () => {
  let server: ApolloServer;

  beforeAll(async () => {
    const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    server = new ApolloServer({
      gateway: new ApolloGateway({ supergraphSdl: enforcedSupergraph(supergraphSdl) }),
      plugins: [plannerRefusalPlugin()],
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    await server.start();
  });

  afterAll(() => server.stop());

  const errorsOf = (body: Awaited<ReturnType<ApolloServer['executeOperation']>>['body']) =>
    body.kind === 'single' ? body.singleResult.errors : undefined;

  it.each([
    ['subscription Watch { __typename }', /subscription/],
    [
      'mutation { recordResult(enrolmentId: "x", finalScore: 1e400, lessonHoursEarned: 1) { id } }',
      /finalScore/,
    ],
  ])("answers %s with a 400 and the planner's message", async (query, message) => {
    const { http, body } = await server.executeOperation({ query });
    expect(http.status).toBe(400);
    expect(errorsOf(body)).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(message),
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
  });

  it('takes the colour codes out of whatever else it throws', async () => {
    // A Date of 1e400 reaches util.inspect(Infinity, { colors: true }) in the planner.
    const query = '{ programRuns(first: 1, filter: { startsAfter: 1e400 }) { totalCount } }';
    const { body } = await server.executeOperation({ query });
    const errors = errorsOf(body);
    expect(errors?.[0]?.message).toMatch(/Infinity/);
    expect(JSON.stringify(errors)).not.toContain('\\u001b');
  });
});
