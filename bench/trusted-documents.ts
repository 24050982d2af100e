import { contractOperation } from '../contract';
import { graphQLPost, send } from './http-client';
import { runLoad, type Flow, type LoadResult } from './load';
import { markdownTable, fixed } from './results';

/** How one contract operation is sent: its full text, or its id from the manifest. */
type Form = 'text' | 'id';

export interface TrustedDocumentsRun {
  operation: string;
  /** Requests per second by gateway, e.g. `A. ours, cache on`, for each form. */
  rates: { gateway: string; text: number; id: number }[];
}

const rate = ({ requests, elapsedMs }: Pick<LoadResult, 'requests' | 'elapsedMs'>) =>
  requests / (elapsedMs / 1000);

/**
 * One operation of the contract sent as its full text and as a persisted id (extensions.
 * persistedQuery), through the same gateway, in alternating slices: the ratio is what sending
 * the id saves (no parsing or validation, a smaller body) on this machine.
 */
export async function measureTrustedDocuments(
  name: string,
  variables: Record<string, unknown>,
  gateways: Record<string, string>,
  authorization: string,
  settings: { rounds: number; durationS: number; connections: number },
): Promise<TrustedDocumentsRun> {
  const operation = contractOperation(name);
  const payloads: Record<Form, unknown> = {
    text: { query: operation.text, operationName: name, variables },
    id: {
      operationName: name,
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } },
    },
  };
  const rates: TrustedDocumentsRun['rates'] = [];
  for (const [gateway, url] of Object.entries(gateways)) {
    const flows = Object.fromEntries(
      (['text', 'id'] as const).map((form) => {
        const request = graphQLPost(url, payloads[form], authorization);
        return [form, (() => send(request)) as Flow];
      }),
    ) as Record<Form, Flow>;
    const totals: Record<Form, { requests: number; elapsedMs: number }> = {
      text: { requests: 0, elapsedMs: 0 },
      id: { requests: 0, elapsedMs: 0 },
    };
    for (let round = 0; round < settings.rounds; round += 1) {
      const order: Form[] = round % 2 === 0 ? ['text', 'id'] : ['id', 'text'];
      for (const form of order) {
        const load = await runLoad(flows[form], settings.connections, settings.durationS * 1000);
        totals[form].requests += load.requests;
        totals[form].elapsedMs += load.elapsedMs;
      }
    }
    const text = rate(totals.text);
    const id = rate(totals.id);
    console.log(
      `trusted documents, ${name} on ${gateway}: text ${text.toFixed(0)} req/s, id ${id.toFixed(0)} req/s, id/text ${(id / text).toFixed(2)}×`,
    );
    rates.push({ gateway, text, id });
  }
  return { operation: name, rates };
}

export function trustedDocumentsSection(run: TrustedDocumentsRun): string {
  const rows = run.rates.map(({ gateway, text, id }) => [
    gateway,
    fixed(text, 1, 0, 100),
    fixed(id, 1, 0, 100),
    fixed(id / text, 2, 2),
  ]);
  return `Trusted documents: ${run.operation} sent as its full text and as its persisted id (\`extensions.persistedQuery\`, from contract/persisted-query-manifest.json), through the same gateway, in alternating slices:

${markdownTable(['gateway', 'text req/s', 'id req/s', 'id ÷ text'], rows)}`;
}
