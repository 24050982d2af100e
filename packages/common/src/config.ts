/** Reads the environment once, with defaults for a developer machine. */

export interface ServiceDefinition {
  /** Subgraph name, as it appears in the supergraph. */
  name: 'library' | 'bpsdm-central' | 'bpsdm-regional';
  /** PostgreSQL schema owned by this service. */
  dbSchema: string;
  portVariable: string;
  urlVariable: string;
  defaultPort: number;
}

export const SERVICES: readonly ServiceDefinition[] = [
  {
    name: 'library',
    dbSchema: 'library',
    portVariable: 'LIBRARY_PORT',
    urlVariable: 'LIBRARY_URL',
    defaultPort: 4001,
  },
  {
    name: 'bpsdm-central',
    dbSchema: 'bpsdm_central',
    portVariable: 'BPSDM_CENTRAL_PORT',
    urlVariable: 'BPSDM_CENTRAL_URL',
    defaultPort: 4002,
  },
  {
    name: 'bpsdm-regional',
    dbSchema: 'bpsdm_regional',
    portVariable: 'BPSDM_REGIONAL_PORT',
    urlVariable: 'BPSDM_REGIONAL_URL',
    defaultPort: 4003,
  },
];

export const GATEWAY_DEFAULT_PORT = 4000;

export function serviceDefinition(name: ServiceDefinition['name']): ServiceDefinition {
  const definition = SERVICES.find((service) => service.name === name);
  if (!definition) throw new Error(`Unknown service ${name}`);
  return definition;
}

export function intFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${variable} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

export function servicePort(service: ServiceDefinition): number {
  return intFromEnv(service.portVariable, service.defaultPort);
}

/** Where the gateway reaches a subgraph: `<NAME>_URL`, or localhost on its port. */
export function serviceUrl(service: ServiceDefinition): string {
  return process.env[service.urlVariable] || `http://localhost:${servicePort(service)}/graphql`;
}

export function gatewayPort(): number {
  return intFromEnv('GATEWAY_PORT', GATEWAY_DEFAULT_PORT);
}

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set. Use `npm start` (which starts an embedded PostgreSQL) or set DATABASE_URL=postgres://user@host:5432/db',
    );
  }
  return url;
}
