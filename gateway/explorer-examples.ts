import { librarianId, PKS_ID } from '@coop/common';

/** One ready example of the explorer: a GraphiQL tab. */
export interface ExplorerExample {
  /** The operation's name, as the API contract names it. */
  name: string;
  /** Who may run it: `anyone`, or the role its token needs. */
  needs: string;
  query: string;
  variables?: Record<string, unknown>;
}

const HOW_TO_TOKEN = `# Headers tab (below): {"authorization": "Bearer <token>"}. A token for development:
#   npm run --silent token -- --role <role> [--province 32]
# or, in development, the "Development token" box at the bottom right of this page.`;

function tab(needs: string, body: string): string {
  const who =
    needs === 'anyone' ? '# Needs: no token (anyone).' : `# Needs: a token with role ${needs}.`;
  return `${who}\n${needs === 'anyone' ? '' : `${HOW_TO_TOKEN}\n`}${body.trim()}\n`;
}

/**
 * The contract's operations (/work/shared/api-contract.md names them) as the explorer's tabs;
 * the first works without a token, so that pressing play on a first visit answers with data.
 */
export const EXPLORER_EXAMPLES: readonly ExplorerExample[] = [
  {
    name: 'Welcome',
    needs: 'anyone',
    query: `# The cooperation of Perpusnas, BPSDM Kemendagri and the provincial BPSDM offices, in one
# graph. Press the play button; the Docs pane (book icon, left) lists every type. The other tabs
# hold the API contract's operations, each saying which role its token needs.
query Welcome {
  agreements(first: 5) {
    totalCount
    edges { node { title kind status validFrom scopes } }
  }
  regionalOffices { provinceCode name city }
}`,
  },
  {
    name: 'MyRuns',
    needs: 'anyone',
    query: `# A regional office: its program runs (participants themselves need a token).
query MyRuns {
  regionalOffice(provinceCode: "32") {
    name
    runs(first: 50) {
      totalCount
      edges { node {
        batchLabel startsOn status enrolmentCount
        program { title lessonHours scope agreement { title } }
      } }
    }
  }
}`,
  },
  {
    name: 'Dashboard',
    needs: 'analyst (or any role)',
    query: `# Every province, training and certification side by side.
query Dashboard {
  regionalOffices {
    provinceCode name
    trainingStats(year: 2025) { runs participants completionRate }
    librarianStats { librarians certified certificationRate }
  }
}`,
  },
  {
    name: 'Agreement',
    needs: 'anyone',
    query: `# An agreement (the PKS Perpusnas - BPSDM) and how it is carried out, across all three subgraphs.
query Agreement($id: ID!) {
  agreement(id: $id) {
    title kind parent { title } scopes
    parties { organization signatory { name position } }
    programs { title scope runs(first: 100) { totalCount edges { node { office { name } enrolmentCount } } } }
  }
}`,
    variables: { id: PKS_ID },
  },
  {
    name: 'Profile',
    needs: 'admin, or regional-operator of the librarian’s province',
    query: `# A librarian's profile (personal data).
query Profile($id: ID!) {
  librarian(id: $id) {
    name level
    certifications { scheme { name } status expiresOn }
    enrolments { status run { batchLabel program { title lessonHours } office { name } } }
    lessonHoursCompleted(year: 2025)
  }
}`,
    variables: { id: librarianId(0) },
  },
  {
    name: 'Verify',
    needs: 'anyone',
    query: `# Is this certificate genuine? The holder's name comes back masked.
query Verify($n: String!) {
  verifyCertificate(number: $n) { valid status scheme { name } expiresOn holderName }
}`,
    variables: { n: 'LSP-PUS/2024/000001' },
  },
  {
    name: 'CreateFacility',
    needs: 'admin',
    query: `# A write: the same clientKey again returns the first result instead of a second facility.
mutation CreateFacility($input: CreateFacilityInput!) {
  createFacility(input: $input) { id name kind capacity address version }
}`,
    variables: {
      input: {
        name: 'Ruang Kelas Contoh',
        kind: 'CLASSROOM',
        capacity: 30,
        address: 'Jl. Salemba Raya No. 28A, Jakarta Pusat',
        clientKey: 'explorer-example-1',
      },
    },
  },
];

/**
 * GraphiQL's `defaultTabs`: each example with its role in the text; a tab that needs a token
 * has an empty `authorization` header to fill in (empty is anonymous: introspection, which
 * GraphiQL sends with the open tab's headers, still works).
 */
export function explorerTabs(): { query: string; variables?: string; headers?: string }[] {
  return EXPLORER_EXAMPLES.map((example) => ({
    query: tab(example.needs, example.query),
    ...(example.variables ? { variables: JSON.stringify(example.variables, null, 2) } : {}),
    ...(example.needs === 'anyone'
      ? {}
      : { headers: JSON.stringify({ authorization: '' }, null, 2) }),
  }));
}
