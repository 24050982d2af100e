/**
 * The contract's operations the benchmark measures, each with the part of it that the subgraph
 * owning its root field can answer alone (what a client would get without federation).
 */
export interface BenchOperation {
  name: string;
  gatewayQuery: string;
  directSubgraph: 'library' | 'bpsdm-central' | 'bpsdm-regional';
  directQuery: string;
}

export function benchOperations(ids: {
  agreementId: string;
  librarianId: string;
}): BenchOperation[] {
  return [
    {
      name: 'Dashboard',
      gatewayQuery: `query Dashboard { regionalOffices { provinceCode name
        trainingStats(year: 2025) { runs participants completionRate }
        librarianStats { librarians certified certificationRate } } }`,
      directSubgraph: 'bpsdm-regional',
      directQuery: `query Dashboard { regionalOffices { provinceCode name
        trainingStats(year: 2025) { runs participants completionRate } } }`,
    },
    {
      name: 'Agreement',
      gatewayQuery: `query Agreement { agreement(id: "${ids.agreementId}") { title kind parent { title } scopes
        parties { organization signatory { name position } }
        programs { title scope runs(first: 100) { totalCount edges { node { office { name } enrolmentCount } } } } } }`,
      directSubgraph: 'library',
      directQuery: `query Agreement { agreement(id: "${ids.agreementId}") { title kind parent { title } scopes
        parties { organization signatory { name position } } } }`,
    },
    {
      name: 'Profile',
      gatewayQuery: `query Profile { librarian(id: "${ids.librarianId}") { name level
        certifications { scheme { name } status expiresOn }
        enrolments { status run { batchLabel program { title lessonHours } office { name } } }
        lessonHoursCompleted(year: 2025) } }`,
      directSubgraph: 'library',
      directQuery: `query Profile { librarian(id: "${ids.librarianId}") { name level
        certifications { scheme { name } status expiresOn } } }`,
    },
  ];
}
