import fs from 'node:fs';
import { Kind, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { librarianId, librarianProvince, PKS_ID, provinceLabel } from '@coop/common';
import { contractOperations, type ContractOperation } from '../contract';
import { SUPERGRAPH_PATH } from './compose';
import {
  operationAccess,
  readDeclarations,
  type Caller,
  type Declarations,
} from './explorer-access';

/**
 * The data an example reads, from the seed (ids are deterministic, the same in the small seed
 * `npm start` loads and the large one the tests load): its variables, and the province its
 * personal data belongs to, which decides the regional operator who may read it.
 */
interface ExampleData {
  variables?: Record<string, unknown>;
  province?: { code: string; of: string };
}

const EXAMPLE_DATA: Record<string, ExampleData> = {
  Agreement: { variables: { id: PKS_ID } },
  Profile: {
    variables: { id: librarianId(0) },
    province: { code: librarianProvince(0), of: 'the librarian' },
  },
  // The seed's first certificate: its number is drawn before any other, alike in every seed.
  Verify: { variables: { n: 'LSP-PUS/2024/000001' } },
  CreateFacility: {
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
};

/** One ready example of the explorer: a GraphiQL tab, made from a contract operation. */
export interface ExplorerExample {
  name: string;
  /** The token the hint names: the least powerful caller refused nothing of it. */
  caller: Caller;
  /** The province of the data it reads, when it reads one province's. */
  province?: string;
  /** The caller just below, if it reads part of it, and the fields it is refused (`Type.field`). */
  partly?: { caller: Caller; refused: string[] };
  /** The tab's text: the generated hint, then the operation as the contract holds it. */
  query: string;
  variables?: Record<string, unknown>;
}

/** `# `-comment lines of at most `width` characters, the first after `first`, the rest `rest`. */
function comment(text: string, first = '', rest = first, width = 100): string[] {
  const lines: string[] = [];
  let line = `#${first}`;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > width && line.trim() !== '#') {
      lines.push(line);
      line = `#${rest}`;
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** The token a caller holds, as the "Development token" box and `npm run token` ask for it. */
function tokenOf(caller: Caller): string {
  if (caller.role === 'regional-operator') {
    return `role regional-operator, province ${provinceLabel(caller.provinceCode ?? '')}`;
  }
  return `role ${caller.role}`;
}

function stringValue(value: ValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** The province the example reads: its own data's, or a `provinceCode` it passes or defaults. */
function provinceOf(operation: ContractOperation, data: ExampleData): ExampleData['province'] {
  if (data.province) return data.province;
  const definition = operation.document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const variable = definition?.variableDefinitions?.find(
    (v) => v.variable.name.value === 'provinceCode',
  );
  const given = data.variables?.provinceCode;
  const code = typeof given === 'string' ? given : stringValue(variable?.defaultValue);
  return code ? { code, of: 'the office' } : undefined;
}

function tokenCommand(caller: Caller): string {
  const province = caller.provinceCode ? ` --province ${caller.provinceCode}` : '';
  return `npm run --silent token -- --role ${caller.role}${province}`;
}

/** The hint above an operation, from the declarations its fields carry. */
export function hintFor(
  operation: ContractOperation,
  declarations: Declarations,
  data: ExampleData = EXAMPLE_DATA[operation.name] ?? {},
): { caller: Caller; province?: string; partly?: ExplorerExample['partly']; lines: string[] } {
  const province = provinceOf(operation, data);
  const access = operationAccess(declarations, operation.document, province?.code ?? null);
  const { caller } = access;
  const lines = comment(operation.summary);
  // The explorer's callers (candidateCallers) never include a librarian, a data subject.
  const weakest = {
    analyst: ' (or any role)',
    'regional-operator': ' (or admin)',
    librarian: ' (or admin)',
  } as const;
  lines.push(
    ...comment(
      caller.role
        ? `Needs a token: ${tokenOf(caller)}${caller.role === 'admin' ? '' : weakest[caller.role]}.`
        : 'Needs no token: anyone may run it.',
    ),
  );
  const closest = access.partly.at(-1);
  if (closest) {
    lines.push(
      ...comment(
        `With ${tokenOf(closest.caller)}, it answers all but ${closest.refused.join(', ')} (refused).`,
      ),
    );
  }
  if (province && access.restricted.length) {
    lines.push(
      ...comment(`The example reads ${province.of} of province ${provinceLabel(province.code)}.`),
    );
  }
  if (access.restricted.length) {
    lines.push('# Who may use its fields that need a token, as the schema declares them:');
    for (const { field, readers } of access.restricted) {
      lines.push(...comment(`${field}: ${readers}`, '  ', '    '));
    }
  }
  if (caller.role) {
    lines.push(
      '# Headers tab (below): {"authorization": "Bearer <token>"}. A token for development:',
      `#   ${tokenCommand(caller)}`,
      '# or, in development, the "Development token" box at the bottom right of this page.',
    );
  }
  return {
    caller,
    ...(province ? { province: province.code } : {}),
    ...(closest ? { partly: closest } : {}),
    lines,
  };
}

/** The operation's text without its leading comment (the hint replaces it). */
function withoutHeader(text: string): string {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => !line.startsWith('#'));
  return lines.slice(first).join('\n').trim();
}

/** First the welcome and `viewer`, then the other queries, then the writes. */
function tabOrder(operation: ContractOperation): number {
  return { Welcome: 0, Viewer: 1 }[operation.name] ?? (operation.type === 'query' ? 2 : 3);
}

/**
 * The contract's operations the explorer shows (their `Used by:` names it) as examples, each
 * with its hint generated from the supergraph's declarations and its data from the seed.
 */
export function explorerExamples(
  supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8'),
): ExplorerExample[] {
  const declarations = readDeclarations(supergraphSdl);
  return contractOperations()
    .filter((operation) => /\bthe explorer\b/.test(operation.usedBy))
    .sort((a, b) => tabOrder(a) - tabOrder(b))
    .map((operation) => {
      const data = EXAMPLE_DATA[operation.name] ?? {};
      const { lines, ...access } = hintFor(operation, declarations, data);
      return {
        name: operation.name,
        ...access,
        query: `${lines.join('\n')}\n${withoutHeader(operation.text)}\n`,
        ...(data.variables ? { variables: data.variables } : {}),
      };
    });
}

/**
 * GraphiQL's `defaultTabs`: each example with its hint; a tab that needs a token has an empty
 * `authorization` header to fill in (empty is anonymous: introspection, which GraphiQL sends
 * with the open tab's headers, still works).
 */
export function explorerTabs(
  examples: readonly ExplorerExample[] = explorerExamples(),
): { query: string; variables?: string; headers?: string }[] {
  return examples.map((example) => ({
    query: example.query,
    ...(example.variables ? { variables: JSON.stringify(example.variables, null, 2) } : {}),
    ...(example.caller.role ? { headers: JSON.stringify({ authorization: '' }, null, 2) } : {}),
  }));
}
