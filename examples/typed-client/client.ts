/**
 * A typed client for one operation of the graph, with nothing but fetch: the types come from
 * `npm run --silent example:codegen` (GraphQL Code Generator over the public schema). It sends
 * the operation as a trusted document, by the id in the graph's persisted-query manifest, and
 * its text only when the gateway does not know the id (Apollo's APQ protocol).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgreementQuery, AgreementQueryVariables } from './generated/graphql';

const CONTRACT = path.join(__dirname, '..', '..', 'contract');

interface ManifestOperation {
  id: string;
  name: string;
  body: string;
}
const manifest = JSON.parse(
  fs.readFileSync(path.join(CONTRACT, 'persisted-query-manifest.json'), 'utf8'),
) as { operations: ManifestOperation[] };
const AGREEMENT = manifest.operations.find((operation) => operation.name === 'Agreement')!;

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post<T>(endpoint: string, body: unknown, token?: string): Promise<GraphQLAnswer<T>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return (await response.json()) as GraphQLAnswer<T>;
}

export async function fetchAgreement(
  endpoint: string,
  variables: AgreementQueryVariables,
  token?: string,
): Promise<AgreementQuery> {
  const request = {
    operationName: 'Agreement',
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: AGREEMENT.id } },
  };
  let answer = await post<AgreementQuery>(endpoint, request, token);
  if (answer.errors?.some((error) => error.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
    answer = await post<AgreementQuery>(endpoint, { ...request, query: AGREEMENT.body }, token);
  }
  if (answer.errors?.length || !answer.data) {
    throw new Error(answer.errors?.map((error) => error.message).join('; ') ?? 'no data');
  }
  return answer.data;
}

/** Enrolments per office across the agreement's programs: the compiler checks every step. */
export function enrolmentsByOffice(data: AgreementQuery): Map<string, number> {
  const counts = new Map<string, number>();
  for (const program of data.agreement?.programs ?? []) {
    for (const { node } of program.runs.edges) {
      counts.set(node.office.name, (counts.get(node.office.name) ?? 0) + node.enrolmentCount);
    }
  }
  return counts;
}
