import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { authConfig, createTokenVerifier, signDevToken } from '@coop/common/auth';
import { GATEWAY_DEFAULT_PORT, SERVICES } from '@coop/common/config';
import {
  readSource as read,
  ROOT,
  subgraphsCalledBy,
  variablesTheCodeReads,
} from '../support/code-variables';

/**
 * docker-compose.yml cannot run here (no Docker engine), so this checks it against the code:
 * one container per service from the one Dockerfile, the ports and variables the code reads,
 * health checks and the start order; and the tokens it would verify, by running its key step
 * and the services' token check with the environment it gives them.
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
  volumes?: string[];
  restart?: string;
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
  it('runs PostgreSQL, Redis, the key step, the three subgraphs and the gateway, nothing else', () => {
    expect(Object.keys(services).sort()).toEqual([...appNames, 'keys', 'postgres', 'redis'].sort());
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(services.redis?.image).toMatch(/^redis:\d+/);
    expect(services.keys?.build).toBe('.');
    expect(services.keys?.restart).toBe('no');
  });

  it('publishes only the gateway', () => {
    const published = Object.entries(services).filter(([, service]) => service.ports);
    expect(published.map(([name]) => name)).toEqual(['gateway']);
  });

  it('gives each subgraph the URLs of the subgraphs it asks directly (queryService)', () => {
    for (const service of SERVICES) {
      const env = environment(service.name);
      const urls = SERVICES.filter((callee) => env[callee.urlVariable]).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      expect({ service: service.name, calls: urls.map((callee) => callee.name) }).toEqual({
        service: service.name,
        calls: subgraphsCalledBy(service.name),
      });
      for (const callee of urls) {
        expect(env[callee.urlVariable]).toBe(`http://${callee.name}:${callee.defaultPort}/graphql`);
      }
    }
  });

  it('shares the response cache and the callers’ budgets through its Redis', () => {
    expect(environment('gateway').REDIS_URL).toBe('redis://redis:6379');
    expect(healthTest('redis')).toMatch(/redis-cli ping/);
    expect(services.redis?.ports).toBeUndefined();
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
    const used = new Set([...appNames, 'keys'].flatMap((name) => Object.keys(environment(name))));
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
    const keysMade = { keys: { condition: 'service_completed_successfully' } };
    for (const name of subgraphNames) {
      expect(dependsOn(name)).toEqual({ postgres: { condition: 'service_healthy' }, ...keysMade });
    }
    expect(dependsOn('gateway')).toEqual({
      ...Object.fromEntries(
        [...subgraphNames, 'redis'].map((name) => [name, { condition: 'service_healthy' }]),
      ),
      ...keysMade,
    });
  });
});

/** `${VAR}`, `${VAR:-default}` and `${VAR:?message}` as Docker Compose reads them from `.env`. */
function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name, kind, rest) => {
    const set = dotenv[name];
    if (set) return set;
    if (kind === '?') throw new Error(`${name}: ${rest}`);
    return kind === '-' ? rest : '';
  });
}

describe('docker-compose.yml: tokens verify', () => {
  const KEY_VOLUME = 'dev-keys';
  let keyDir: string;
  const dotenv = { SUBGRAPH_SECRET: 'a-long-random-value' };

  /** Where a service mounts the key volume, if it does. */
  const keyMount = (name: string) =>
    services[name]?.volumes
      ?.map((volume) => volume.split(':'))
      .find(([source]) => source === KEY_VOLUME)?.[1];

  /** The environment compose gives a service, its key folder replaced by this test's. */
  function containerEnv(name: string, dir: string): Record<string, string> {
    const env = Object.fromEntries(
      Object.entries(environment(name)).map(([key, value]) => [key, interpolate(value, dotenv)]),
    );
    if (env.AUTH_DEV_KEY_DIR) {
      expect({ name, dir: env.AUTH_DEV_KEY_DIR }).toEqual({ name, dir: keyMount(name) });
      env.AUTH_DEV_KEY_DIR = dir;
    }
    return env;
  }

  /** A token check of `name`'s, built from its environment alone. */
  function verifierOf(name: string, dir: string) {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env))
      if (key.startsWith('AUTH_')) delete process.env[key];
    Object.assign(process.env, containerEnv(name, dir));
    try {
      const config = authConfig();
      return { config, verify: createTokenVerifier(config) };
    } finally {
      process.env = saved;
    }
  }

  beforeAll(() => {
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-compose-keys-'));
    // The key step's own command, run here with its environment.
    const command = commandOf('keys');
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    const run = spawnSync(process.execPath, command.slice(1), {
      cwd: ROOT,
      env: { ...process.env, ...containerEnv('keys', keyDir) },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(keyMount('keys')).toBe(environment('keys').AUTH_DEV_KEY_DIR);
  });

  afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

  it('the key step writes a key pair every service reads from the shared volume', async () => {
    expect(fs.readdirSync(keyDir).sort()).toEqual(['private.pem', 'public.pem']);
    const token = await signDevToken({ role: 'admin' }, verifierOf('gateway', keyDir).config);
    for (const name of appNames) {
      expect(services[name]?.volumes).toContain(`${KEY_VOLUME}:${keyMount(name)}:ro`);
      const viewer = await verifierOf(name, keyDir).verify(`Bearer ${token}`);
      expect({ name, role: viewer.role }).toEqual({ name, role: 'admin' });
    }
  });

  it('without the key pair a token is refused with AUTH_NOT_CONFIGURED (the old compose)', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'coop-compose-nokeys-'));
    try {
      const token = await signDevToken({ role: 'admin' }, verifierOf('gateway', keyDir).config);
      await expect(verifierOf('gateway', empty).verify(`Bearer ${token}`)).rejects.toMatchObject({
        extensions: { code: 'AUTH_NOT_CONFIGURED' },
      });
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('uses your identity provider instead when .env sets AUTH_JWKS_URL', () => {
    const jwks = 'https://sso.example.go.id/realms/coop/protocol/openid-connect/certs';
    for (const name of appNames) {
      expect(interpolate(environment(name).AUTH_JWKS_URL ?? '', { AUTH_JWKS_URL: jwks })).toBe(
        jwks,
      );
    }
  });
});
