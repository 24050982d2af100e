import { PKS_ID, regionalAgreementId } from '@coop/common';
import { contractText, contractWithFirst } from '../support/contract';
import { adminToken, query, statementsFor, tokenFor } from '../support/stack';

/**
 * The cost of a request must not grow with the size of its lists: for each contract operation
 * the same shape is sent over a small and a large slice of the data, and every subgraph must
 * send the same number of SQL statements for both.
 */
async function expectSameCost(small: string, large: string, variables = {}, token?: string) {
  token ??= await adminToken();
  const smallCost = await statementsFor(() => query(small, variables, { token, fresh: true }));
  const largeCost = await statementsFor(() => query(large, variables, { token, fresh: true }));
  expect(largeCost).toEqual(smallCost);
  for (const count of Object.values(largeCost)) expect(count).toBeLessThanOrEqual(8);
  return largeCost;
}

const MY_RUNS = (first: number) => contractWithFirst('MyRuns', first);

const DASHBOARD_FIELDS = `provinceCode name
  trainingStats(year: 2025) { runs participants completionRate }
  librarianStats { librarians certified certificationRate }`;

const AGREEMENT = (runs: number) => contractWithFirst('Agreement', runs);

const PROFILES = (first: number) => `{ librarians(first: ${first}) { edges { node { name level
  certifications { scheme { name } status expiresOn }
  enrolments { status run { batchLabel program { title lessonHours } office { name } } }
  lessonHoursCompleted(year: 2025) } } } }`;

const IT_DASHBOARD_FIELDS = `provinceCode name
  itAdoption { initiative { code name } status librariesUsing hasForum office { name } }
  trainingStats(year: 2025) { runs participants }`;

const IT_ROLLOUT_FIELDS = (first: number) => `code
  rollouts(first: ${first}) { totalCount edges { node { provinceCode status
    initiative { name } office { name trainingStats(year: 2025) { runs } } } } }`;

const IT_PROGRAMS = (
  first: number,
) => `{ trainingPrograms(filter: { scope: INFORMATION_TECHNOLOGY },
  first: ${first}) { edges { node { title initiative { name
    rollouts(first: 38) { totalCount edges { node { provinceCode librariesUsing } } } } } } } }`;

describe('SQL statements per request', () => {
  it('MyRuns: 1 run or 50 runs of an office cost the same', async () => {
    const data = await query<{ regionalOffice: { runs: { edges: unknown[] } } }>(MY_RUNS(50));
    expect(data.regionalOffice.runs.edges.length).toBeGreaterThan(1);
    await expectSameCost(MY_RUNS(1), MY_RUNS(50));
  });

  it('Dashboard: 1 office or all 38 cost the same', async () => {
    const cost = await expectSameCost(
      `{ regionalOffice(provinceCode: "32") { ${DASHBOARD_FIELDS} } }`,
      `{ regionalOffices { ${DASHBOARD_FIELDS} } }`,
    );
    // regional: the change versions (change-versions.ts, one per fetch), the offices, their stats.
    expect(cost).toEqual({ library: 1, 'bpsdm-central': 0, 'bpsdm-regional': 3 });
  });

  it('National figures and trends: 1 office and 1 year or all 38 and 25 years cost the same', async () => {
    const analyst = await tokenFor('analyst');
    const training = 'runs participants completed lessonHoursDelivered withheld { field reason }';
    const librarians = `librarians certified withheld { field reason }
      byLevel { level certified withheld { field reason } }`;
    const national = (from: number, to: number) => `
      nationalTrainingStats { ${training} }
      nationalTrainingByYear(fromYear: ${from}, toYear: ${to}) { year stats { ${training} } }
      nationalLibrarianStats { ${librarians} }
      nationalItAdoption { initiative { name } provincesInUse librariesUsing }`;
    const office = (from: number, to: number) => `provinceCode librarianStats { ${librarians} }
      trainingByYear(fromYear: ${from}, toYear: ${to}) { year stats { ${training} } }`;
    const cost = await expectSameCost(
      `{ regionalOffice(provinceCode: "32") { ${office(2025, 2025)} } ${national(2025, 2025)} }`,
      `{ regionalOffices { ${office(2010, 2034)} } ${national(2010, 2034)} }`,
      {},
      analyst,
    );
    expect(cost['bpsdm-central']).toBe(0);
  });

  it('ItDashboard: IT adoption beside training, for 1 office or all 38, costs the same', async () => {
    const cost = await expectSameCost(
      `{ regionalOffice(provinceCode: "35") { ${IT_DASHBOARD_FIELDS} } }`,
      `{ regionalOffices { ${IT_DASHBOARD_FIELDS} } }`,
    );
    // library: the rollouts of every office, then their initiatives; regional: the offices, their
    // stats, and the rollouts' offices, in two fetches that each read the change versions first.
    expect(cost).toEqual({ library: 2, 'bpsdm-central': 0, 'bpsdm-regional': 5 });
  });

  it('IT initiatives: 1 initiative with 1 rollout or all of them with all cost the same', async () => {
    const data = await query<{ itInitiatives: { rollouts: { edges: unknown[] } }[] }>(
      `{ itInitiatives { ${IT_ROLLOUT_FIELDS(100)} } }`,
      {},
      { token: await adminToken() },
    );
    expect(data.itInitiatives.some((i) => i.rollouts.edges.length > 20)).toBe(true);
    await expectSameCost(
      `{ itInitiative(code: "KHASTARA") { ${IT_ROLLOUT_FIELDS(1)} } }`,
      `{ itInitiatives { ${IT_ROLLOUT_FIELDS(100)} } }`,
    );
  });

  it('IT programs: 1 program or all of them, with their initiatives’ rollouts, cost the same', async () => {
    await expectSameCost(IT_PROGRAMS(1), IT_PROGRAMS(100));
  });

  it('Agreement: a PKS with 1 run per program or 100 costs the same', async () => {
    await expectSameCost(AGREEMENT(1), AGREEMENT(100), { id: PKS_ID });
  });

  it('Agreement: a PKS with a few programs or the one with most of them costs the same', async () => {
    const regional = regionalAgreementId('11');
    const fresh = { fresh: true };
    const small = await statementsFor(() => query(AGREEMENT(100), { id: regional }, fresh));
    const large = await statementsFor(() => query(AGREEMENT(100), { id: PKS_ID }, fresh));
    expect(large).toEqual(small);
  });

  it('Profile: 1 librarian or 100, with their certificates and enrolments, cost the same', async () => {
    await expectSameCost(PROFILES(1), PROFILES(100));
  });

  it('Verify: a certificate check costs a constant, small number of statements', async () => {
    const { librarians } = await query<{
      librarians: { edges: { node: { certifications: { number: string }[] } }[] };
    }>(
      `{ librarians(first: 50) { edges { node { certifications { number } } } } }`,
      {},
      {
        token: await adminToken(),
      },
    );
    const number = librarians.edges.flatMap((edge) => edge.node.certifications)[0]!.number;
    const cost = await statementsFor(() =>
      query(contractText('Verify'), { n: number }, { fresh: true }),
    );
    expect(cost).toEqual({ library: 3, 'bpsdm-central': 0, 'bpsdm-regional': 0 });
  });
});
