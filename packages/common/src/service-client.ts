import { GraphQLError } from 'graphql';
import { serviceDefinition, serviceUrl, type ServiceDefinition } from './config';
import { GATEWAY_CREDENTIAL_HEADER, subgraphSecret } from './gateway-credential';
import { traceContextHeaders } from './tracing';

/**
 * Asks another subgraph through its public API, never its tables: how a service checks a
 * reference it does not own (does this PKS exist and cover that scope?). The caller's token is
 * passed on, so the owner applies its own access rules.
 */
export async function queryService<T>(
  service: ServiceDefinition['name'],
  query: string,
  variables: Record<string, unknown>,
  authorization: string | undefined,
): Promise<T> {
  const url = serviceUrl(serviceDefinition(service));
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
        // Services inside the graph hold the gateway's credential too (gateway-credential.ts).
        [GATEWAY_CREDENTIAL_HEADER]: subgraphSecret() ?? '',
        ...traceContextHeaders(),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    throw unavailable(service, String(error));
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: T;
    errors?: { message: string }[];
  };
  if (!response.ok || body.errors?.length || !body.data) {
    throw unavailable(
      service,
      body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`,
    );
  }
  return body.data;
}

function unavailable(service: string, detail: string): GraphQLError {
  return new GraphQLError(
    `The ${service} service could not be asked to check a reference: ${detail}`,
    {
      extensions: { code: 'DEPENDENCY_UNAVAILABLE', service },
    },
  );
}
