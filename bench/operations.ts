/**
 * The operations users run, exactly as the API contract (shared/api-contract.md) writes them,
 * with the variables the benchmark sends.
 */
export interface BenchOperation {
  name: 'MyRuns' | 'Dashboard' | 'Agreement' | 'Profile' | 'Verify' | 'ItDashboard';
  query: string;
  variables: Record<string, string>;
}

export interface SampleIds {
  agreementId: string;
  librarianId: string;
  certificateNumber: string;
}

/** MyRuns of the contract for the office of `provinceCode` (the contract's text asks for "32"). */
export const myRunsQuery = (provinceCode: string) =>
  `query MyRuns { regionalOffice(provinceCode: "${provinceCode}") { name runs(first: 50) { totalCount edges { node {
  batchLabel startsOn status enrolmentCount program { title lessonHours scope agreement { title } } } } } } }`;

export const DASHBOARD_QUERY = `query Dashboard { regionalOffices { provinceCode name
  trainingStats(year: 2025) { runs participants completionRate }
  librarianStats { librarians certified certificationRate } } }`;

export const AGREEMENT_QUERY = `query Agreement($id: ID!) { agreement(id: $id) { title kind parent { title } scopes
  parties { organization signatory { name position } }
  programs { title scope runs(first: 100) { totalCount edges { node { office { name } enrolmentCount } } } } } }`;

const PROFILE_FIELDS = `name level
  certifications { scheme { name } status expiresOn }
  enrolments { status run { batchLabel program { title lessonHours } office { name } } }`;

export const PROFILE_QUERY = `query Profile($id: ID!) { librarian(id: $id) { ${PROFILE_FIELDS}
  lessonHoursCompleted(year: 2025) } }`;

/**
 * The Profile a regional operator can ask for: `lessonHoursCompleted` sums every province's
 * runs, so only admins may read it (docs/decisions/0005); the rest is the contract's.
 */
export const OPERATOR_PROFILE_QUERY = `query Profile($id: ID!) { librarian(id: $id) { ${PROFILE_FIELDS} } }`;

export const VERIFY_QUERY = `query Verify($n: String!) { verifyCertificate(number: $n) { valid status scheme { name } expiresOn holderName } }`;

export const IT_DASHBOARD_QUERY = `query ItDashboard { regionalOffices { provinceCode name
  itAdoption { initiative { code } status librariesUsing hasForum }
  trainingStats(year: 2025) { runs participants } } }`;

export function contractOperations(ids: SampleIds): BenchOperation[] {
  return [
    { name: 'MyRuns', query: myRunsQuery('32'), variables: {} },
    { name: 'Dashboard', query: DASHBOARD_QUERY, variables: {} },
    { name: 'Agreement', query: AGREEMENT_QUERY, variables: { id: ids.agreementId } },
    { name: 'Profile', query: PROFILE_QUERY, variables: { id: ids.librarianId } },
    { name: 'Verify', query: VERIFY_QUERY, variables: { n: ids.certificateNumber } },
    { name: 'ItDashboard', query: IT_DASHBOARD_QUERY, variables: {} },
  ];
}

/**
 * A librarian who completed a run and holds a certificate: a Profile with something in every
 * list, and a real certificate number to verify.
 */
export const SAMPLE_IDS_QUERY = `{ programRuns(first: 20, filter: { status: COMPLETED }) { edges { node {
  enrolments(first: 20) { edges { node { participant { id certifications { number } } } } } } } } }`;

interface SampleIdsAnswer {
  programRuns: {
    edges: {
      node: {
        enrolments: {
          edges: { node: { participant: { id: string; certifications: { number: string }[] } } }[];
        };
      };
    }[];
  };
}

export function sampleIdsFrom(answer: unknown, agreementId: string): SampleIds {
  const participants = (answer as SampleIdsAnswer).programRuns.edges.flatMap((run) =>
    run.node.enrolments.edges.map((enrolment) => enrolment.node.participant),
  );
  const certified = participants.find((participant) => participant.certifications.length > 0);
  if (!certified) throw new Error('no certified participant of a completed run in the seed');
  return {
    agreementId,
    librarianId: certified.id,
    certificateNumber: certified.certifications[0]!.number,
  };
}
