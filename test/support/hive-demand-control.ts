import path from 'node:path';
import { ensureHiveGatewayInstalled } from '../../bench/processes';
import { ROOT } from '../../gateway/compose';
import { DEFAULT_LIST_SIZE, GATEWAY_CREDENTIAL_HEADER, SERVICES } from '@coop/common';
import { parse, TypeInfo, visit, visitWithTypeInfo, type GraphQLSchema } from 'graphql';
import type { SupergraphIndex } from '../../gateway/operation-analysis';

/** What the test reads of Hive Gateway's runtime (bench/hive, installed on demand). */
interface HiveRuntime {
  fetch(
    url: string,
    init: { method: string; headers: Record<string, string>; body: string },
  ): Promise<Response>;
  [Symbol.asyncDispose]?: () => Promise<void>;
}

interface HiveModule {
  createGatewayRuntime(config: Record<string, unknown>): HiveRuntime;
  useCustomFetch(fetch: (url: string, init?: { body?: unknown }) => Promise<Response>): unknown;
}

/** Hive's subgraphs: answering `{ data: null }`, or the real ones with the caller's token. */
export type HiveSubgraphs =
  { kind: 'stub' } | { kind: 'real'; credential: string; maxCost: number };

/**
 * Hive Gateway's own demand control (`demandControl`, the same list size for lists that declare
 * none as ours), in this process, on a supergraph: it counts each subgraph request it plans as it
 * sends it and reports the sum in `extensions.cost`. With stub subgraphs (`{ data: null }`),
 * Hive sends only the requests that need no answer before them, so for an operation one
 * subgraph answers its reported cost is Hive's estimate of the whole operation.
 */
export function hiveDemandControl(
  supergraphSdl: string,
  subgraphs: HiveSubgraphs = { kind: 'stub' },
) {
  ensureHiveGatewayInstalled();
  const hive = require(
    path.join(ROOT, 'bench/hive/node_modules/@graphql-hive/gateway-runtime/dist/index.cjs'),
  ) as HiveModule;
  const sent: string[] = [];
  const stub = hive.useCustomFetch(async (_url, init) => {
    sent.push(String(init?.body));
    return new Response(JSON.stringify({ data: null }), {
      headers: { 'content-type': 'application/json' },
    });
  });
  const runtime = hive.createGatewayRuntime({
    supergraph: supergraphSdl,
    demandControl: {
      listSize: DEFAULT_LIST_SIZE,
      includeExtensionMetadata: true,
      ...(subgraphs.kind === 'real' ? { maxCost: subgraphs.maxCost } : {}),
    },
    logging: false,
    ...(subgraphs.kind === 'real'
      ? {
          // As bench/hive/gateway.config.ts: the caller's token and the gateway credential.
          propagateHeaders: {
            fromClientToSubgraphs: ({ request }: { request: Request }) => ({
              authorization: request.headers.get('authorization'),
              [GATEWAY_CREDENTIAL_HEADER]: subgraphs.credential,
            }),
          },
        }
      : { plugins: () => [stub] }),
  });
  return {
    /** Hive's estimate and the subgraph requests it sent for one operation. */
    async cost(
      query: string,
      variables: Record<string, unknown> = {},
      token?: string,
    ): Promise<{
      estimated: number | undefined;
      requests: string[];
      errors: { message: string; extensions?: Record<string, unknown> }[];
      data: unknown;
    }> {
      sent.length = 0;
      const response = await runtime.fetch('http://hive.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as {
        data?: unknown;
        extensions?: { cost?: { estimated?: number } };
        errors?: { message: string; extensions?: Record<string, unknown> }[];
      };
      return {
        estimated: body.extensions?.cost?.estimated,
        requests: [...sent],
        errors: body.errors ?? [],
        data: body.data,
      };
    },
    async stop() {
      await runtime[Symbol.asyncDispose]?.();
    },
  };
}

/** The subgraph that alone answers every field of `query`, if one does. */
export function soleSubgraph(
  apiSchema: GraphQLSchema,
  index: SupergraphIndex,
  query: string,
): string | undefined {
  const owners = new Set(SERVICES.map((service) => service.name as string));
  for (const [type, fields] of fieldsRead(apiSchema, query)) {
    for (const field of fields) {
      const facts = index.get(type)?.get(field);
      if (!facts) continue;
      for (const owner of [...owners]) if (!facts.owners.includes(owner)) owners.delete(owner);
    }
  }
  return owners.size === 1 ? [...owners][0] : undefined;
}

/** Every `Type.field` the operation reads, walked against the API schema. */
function fieldsRead(schema: GraphQLSchema, query: string): Map<string, Set<string>> {
  const read = new Map<string, Set<string>>();
  const info = new TypeInfo(schema);
  visit(
    parse(query),
    visitWithTypeInfo(info, {
      Field(node) {
        const parent = info.getParentType();
        if (!parent || node.name.value.startsWith('__')) return;
        const fields = read.get(parent.name) ?? new Set<string>();
        fields.add(node.name.value);
        read.set(parent.name, fields);
      },
    }),
  );
  return read;
}
