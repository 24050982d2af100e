/**
 * A typed client for one operation of the graph, with nothing but fetch: the types come from
 * `npm run --silent example:codegen` (GraphQL Code Generator over the public schema).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgreementQuery, AgreementQueryVariables } from './generated/graphql';

const AGREEMENT = fs.readFileSync(path.join(__dirname, 'operations', 'agreement.graphql'), 'utf8');

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function fetchAgreement(
  endpoint: string,
  variables: AgreementQueryVariables,
  token?: string,
): Promise<AgreementQuery> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: AGREEMENT, operationName: 'Agreement', variables }),
  });
  const answer = (await response.json()) as GraphQLAnswer<AgreementQuery>;
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
