import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const WELCOME_QUERY = `# The cooperation of Perpusnas, BPSDM Kemendagri and the provincial BPSDM offices,
# in one graph. Press the play button, or open the documentation explorer on the left.
query Dashboard {
  regionalOffices {
    provinceCode
    name
    trainingStats(year: 2025) { runs participants completionRate }
    librarianStats { librarians certified certificationRate }
  }
}
`;

let page: string | undefined;

/**
 * The explorer page (GraphiQL), rendered once from the installed package: scripts, styles and
 * editor workers are inlined, nothing loads from a CDN, so it works on air-gapped networks.
 */
export function explorerPage(): string {
  page ??= renderGraphiQL({
    title: 'Perpusnas × BPSDM — GraphQL explorer',
    endpoint: '/graphql',
    defaultQuery: WELCOME_QUERY,
  });
  return page;
}
