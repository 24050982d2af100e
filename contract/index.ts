import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** Where the contract's operations live: one operation per file, named after it. */
export const OPERATIONS_DIR = path.join(__dirname, 'operations');

/** One operation clients depend on, as `contract/operations/<name>.graphql` holds it. */
export interface ContractOperation {
  name: string;
  type: 'query' | 'mutation';
  /** The file's text, leading comment included (what the explorer shows). */
  text: string;
  /** The operation as sent and persisted: graphql-js's print, without comments or layout. */
  body: string;
  /** The trusted document's id: the SHA-256 (hex) of `body`. */
  id: string;
  /** The leading comment's first paragraph, e.g. "MyRuns: a regional office's program runs…". */
  summary: string;
  /** Who uses it, from the comment's `Used by:` line. */
  usedBy: string;
  /** Which token it needs, from the comment's `Token:` line. */
  token: string;
  document: DocumentNode;
}

export const documentId = (body: string): string => createHash('sha256').update(body).digest('hex');

/** The leading `#` comment as labelled paragraphs: `Used by:` and `Token:` start new ones. */
function header(text: string): { summary: string; usedBy: string; token: string } {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    lines.push(line.replace(/^#\s?/, ''));
  }
  const parts: Record<string, string[]> = { summary: [], usedBy: [], token: [] };
  let current = parts.summary!;
  for (const line of lines) {
    if (line.startsWith('Used by:')) current = parts.usedBy!;
    else if (line.startsWith('Token:')) current = parts.token!;
    current.push(line.replace(/^(Used by|Token):\s*/, ''));
  }
  const joined = (key: string) => parts[key]!.join(' ').trim();
  return { summary: joined('summary'), usedBy: joined('usedBy'), token: joined('token') };
}

export function readOperation(file: string): ContractOperation {
  const text = fs.readFileSync(file, 'utf8');
  const document = parse(text);
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  const expected = path.basename(file, '.graphql');
  const [operation] = operations;
  if (operations.length !== 1 || operation?.name?.value !== expected) {
    throw new Error(`${file} must hold exactly one operation, named ${expected}`);
  }
  if (operation.operation === 'subscription') throw new Error(`${file}: the graph has none`);
  const { summary, usedBy, token } = header(text);
  if (!usedBy || !token) {
    throw new Error(`${file} must start with a comment with "Used by:" and "Token:" lines`);
  }
  const body = print(document);
  return {
    name: expected,
    type: operation.operation,
    text,
    body,
    id: documentId(body),
    summary,
    usedBy,
    token,
    document,
  };
}

/** Every operation in `dir`, by name. */
export function readOperations(dir: string): ContractOperation[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readOperation(path.join(dir, file)));
}

let loaded: readonly ContractOperation[] | undefined;

/** Every operation of the contract, by name. */
export function contractOperations(): readonly ContractOperation[] {
  loaded ??= readOperations(OPERATIONS_DIR);
  return loaded;
}

export function contractOperation(name: string): ContractOperation {
  const found = contractOperations().find((operation) => operation.name === name);
  if (!found) throw new Error(`no operation ${name} in contract/operations`);
  return found;
}

/** Apollo's persisted-query manifest, which Apollo Router and Hive Gateway read too. */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: { id: string; name: string; type: 'query' | 'mutation'; body: string }[];
}

export const MANIFEST_PATH = path.join(__dirname, 'persisted-query-manifest.json');

export function persistedQueryManifest(
  operations: readonly ContractOperation[] = contractOperations(),
): PersistedQueryManifest {
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: operations.map(({ id, name, type, body }) => ({ id, name, type, body })),
  };
}

/** The manifest's file as `npm run trusted-documents` writes it. */
export const manifestText = (manifest = persistedQueryManifest()): string =>
  `${JSON.stringify(manifest, null, 2)}\n`;
