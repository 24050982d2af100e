import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { GATEWAY_DEFAULT_PORT, SERVICES } from '@coop/common/config';
import { readSource as read, ROOT, variablesTheCodeReads } from '../support/code-variables';

/**
 * docker-compose.yml cannot run here (no Docker engine), so this checks it against the code:
 * one container per service from the one Dockerfile, the ports and variables the code reads,
 * health checks and the start order.
 */

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test?: string[] | string; interval?: string; retries?: number };
  depends_on?: Record<string, { condition?: string }> | string[];
}

// `merge: true` resolves the `<<: *anchor` keys as Docker Compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const subgraphNames = SERVICES.map((service) => service.name);
const appNames = [...subgraphNames, 'gateway'];

const environment = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
const commandOf = (name: string): string[] => {
  const command = services[name]?.command;
  return typeof command === 'string' ? command.split(/\s+/) : (command ?? []);
};
const healthTest = (name: string): string => {
  const test = services[name]?.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
};

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, the three subgraphs and the gateway, nothing else', () => {
    expect(Object.keys(services).sort()).toEqual([...appNames, 'postgres'].sort());
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
  });

  it('builds every service from the one Dockerfile and runs its entry point', () => {
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    const dockerfileCmd = /^CMD\s+(\[.*\])\s*$/m.exec(read('Dockerfile'));
    expect(dockerfileCmd).not.toBeNull();
    const runner = (JSON.parse(dockerfileCmd![1]!) as string[]).slice(0, -1); // node --import tsx
    for (const name of appNames) {
      expect({ name, build: services[name]?.build, image: services[name]?.image }).toEqual({
        name,
        build: '.',
        image: undefined,
      });
      const entry = name === 'gateway' ? 'gateway/index.ts' : `services/${name}/index.ts`;
      expect(fs.existsSync(path.join(ROOT, entry))).toBe(true);
      expect(commandOf(name)).toEqual([...runner, entry]);
    }
  });

  it('gives each subgraph its database and its default port, reachable inside only', () => {
    const postgres = environment('postgres');
    for (const service of SERVICES) {
      const env = environment(service.name);
      expect(env[service.portVariable]).toBe(String(service.defaultPort));
      expect(services[service.name]?.ports).toBeUndefined();
      expect(services[service.name]?.expose).toEqual([String(service.defaultPort)]);
      const url = new URL(env.DATABASE_URL ?? 'missing:');
      expect({
        protocol: url.protocol,
        host: url.hostname,
        port: url.port || '5432',
        user: url.username,
        password: url.password,
        database: url.pathname.slice(1),
      }).toEqual({
        protocol: 'postgres:',
        host: 'postgres',
        port: '5432',
        user: postgres.POSTGRES_USER,
        password: postgres.POSTGRES_PASSWORD,
        database: postgres.POSTGRES_DB,
      });
    }
  });

  it('points the gateway at each subgraph by its compose name, on its port', () => {
    const env = environment('gateway');
    expect(env.GATEWAY_PORT).toBe(String(GATEWAY_DEFAULT_PORT));
    expect(services.gateway?.ports).toEqual([`${GATEWAY_DEFAULT_PORT}:${GATEWAY_DEFAULT_PORT}`]);
    for (const service of SERVICES) {
      expect(env[service.urlVariable]).toBe(
        `http://${service.name}:${service.defaultPort}/graphql`,
      );
    }
  });

  it('gives the gateway and every subgraph the same required SUBGRAPH_SECRET', () => {
    for (const name of appNames) {
      expect({ name, secret: environment(name).SUBGRAPH_SECRET }).toEqual({
        name,
        secret: expect.stringMatching(/^\$\{SUBGRAPH_SECRET:\?/),
      });
    }
  });

  it('sets only variables the code reads, and the README documents each of them', () => {
    const known = variablesTheCodeReads();
    const readme = read('README.md');
    const used = new Set(appNames.flatMap((name) => Object.keys(environment(name))));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((variable) => !known.has(variable))).toEqual([]);
    expect([...used].filter((variable) => !readme.includes(`\`${variable}\``))).toEqual([]);
    expect(readme).toContain('docker-compose.yml');
  });

  it('checks each service’s health on its own port, and starts each after what it needs', () => {
    expect(healthTest('postgres')).toMatch(/pg_isready/);
    const ports: Record<string, number> = {
      gateway: GATEWAY_DEFAULT_PORT,
      ...Object.fromEntries(SERVICES.map((service) => [service.name, service.defaultPort])),
    };
    for (const name of appNames) {
      expect({ name, test: healthTest(name) }).toEqual({
        name,
        test: expect.stringContaining(`http://localhost:${ports[name]}/health`),
      });
    }
    const dependsOn = (name: string) => services[name]?.depends_on;
    for (const name of subgraphNames) {
      expect(dependsOn(name)).toEqual({ postgres: { condition: 'service_healthy' } });
    }
    expect(dependsOn('gateway')).toEqual(
      Object.fromEntries(subgraphNames.map((name) => [name, { condition: 'service_healthy' }])),
    );
  });
});
