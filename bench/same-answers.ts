import { isDeepStrictEqual } from 'node:util';
import type { BenchOperation } from './operations';

async function answerOf(url: string, operation: BenchOperation, authorization: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data) {
    throw new Error(
      `${operation.name} via ${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 800)}`,
    );
  }
  return body.data;
}

/**
 * Every gateway must give the same data without errors, twice (the second answer may come from
 * a cache): a fast wrong answer is not a result.
 */
export async function checkSameAnswers(
  operation: BenchOperation,
  gateways: Record<string, string>,
  authorization: string,
): Promise<unknown> {
  let reference: { name: string; data: unknown } | undefined;
  for (const [name, url] of Object.entries(gateways)) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const data = await answerOf(url, operation, authorization);
      reference ??= { name, data };
      if (!isDeepStrictEqual(data, reference.data)) {
        throw new Error(`${operation.name}: ${name} answers differently from ${reference.name}`);
      }
    }
  }
  return reference?.data;
}
