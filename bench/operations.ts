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

export function contractOperations(ids: SampleIds): BenchOperation[] {
  return [
    {
      name: 'MyRuns',
      query: `query MyRuns { regionalOffice(provinceCode: "32") { name runs(first: 50) { totalCount edges { node {
  batchLabel startsOn status enrolmentCount program { title lessonHours scope agreement { title } } } } } } }`,
      variables: {},
    },
    {
      name: 'Dashboard',
      query: `query Dashboard { regionalOffices { provinceCode name
  trainingStats(year: 2025) { runs participants completionRate }
  librarianStats { librarians certified certificationRate } } }`,
      variables: {},
    },
    {
      name: 'Agreement',
      query: `query Agreement($id: ID!) { agreement(id: $id) { title kind parent { title } scopes
  parties { organization signatory { name position } }
  programs { title scope runs(first: 100) { totalCount edges { node { office { name } enrolmentCount } } } } } }`,
      variables: { id: ids.agreementId },
    },
    {
      name: 'Profile',
      query: `query Profile($id: ID!) { librarian(id: $id) { name level
  certifications { scheme { name } status expiresOn }
  enrolments { status run { batchLabel program { title lessonHours } office { name } } }
  lessonHoursCompleted(year: 2025) } }`,
      variables: { id: ids.librarianId },
    },
    {
      name: 'Verify',
      query: `query Verify($n: String!) { verifyCertificate(number: $n) { valid status scheme { name } expiresOn holderName } }`,
      variables: { n: ids.certificateNumber },
    },
    {
      name: 'ItDashboard',
      query: `query ItDashboard { regionalOffices { provinceCode name
  itAdoption { initiative { code } status librariesUsing hasForum }
  trainingStats(year: 2025) { runs participants } } }`,
      variables: {},
    },
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
