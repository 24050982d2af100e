import { exchange, graphQLPost } from './http-client';
import type { MixRequest } from './mix-requests';
import type { MixOutcome } from './mix-results';

/** Error codes of refusals the graph documents for a caller over its limits (429). */
const EXPECTED_REFUSALS = new Set(['RATE_LIMITED']);

function errorCodes(answer: Buffer): string[] {
  try {
    const { errors } = JSON.parse(answer.toString()) as {
      errors?: { extensions?: { code?: string } }[];
    };
    return (errors ?? []).map((error) => error.extensions?.code ?? 'NO_CODE');
  } catch {
    return ['NOT_JSON'];
  }
}

/**
 * Sends one request of the mix to a gateway and judges its answer; never rejects, so that the
 * open loop counts every failure (a timeout, a refused connection) as an outcome.
 */
export async function sendMixRequest(
  url: string,
  request: MixRequest,
  timeoutMs: number,
): Promise<MixOutcome> {
  const { operation } = request;
  try {
    const post = graphQLPost(url, request.payload, request.user.authorization);
    const { status, answer, cacheState } = await exchange(post, timeoutMs);
    // A GraphQL error anywhere in the answer shows as this key; no field is named so.
    if (status === 200 && !answer.includes('"errors"')) {
      return { operation, verdict: 'ok', cacheState };
    }
    const codes = errorCodes(answer);
    if (codes.length > 0 && codes.every((code) => EXPECTED_REFUSALS.has(code))) {
      return { operation, verdict: 'refused', cacheState };
    }
    const problem = `${request.user.kind} got HTTP ${status}: ${answer.subarray(0, 300).toString()}`;
    return { operation, verdict: 'failed', cacheState, problem };
  } catch (error) {
    return { operation, verdict: 'failed', problem: String(error) };
  }
}
