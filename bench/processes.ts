/**
 * The processes of one benchmark run: the graph (three subgraphs and our gateway, as
 * `npm start` runs them), a second instance of our gateway without its response cache, stock
 * `@apollo/gateway` and Hive Gateway, all in front of the same subgraphs.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, spawnTypeScript, stopProcess, waitForHealthy } from '../scripts/lib/processes';

export const BENCH_DATA_DIR = path.join(ROOT, '.data', 'bench');
const HIVE_DIR = path.join(ROOT, 'bench', 'hive');

export interface BenchPorts {
  gateway: number;
  library: number;
  'bpsdm-central': number;
  'bpsdm-regional': number;
  gatewayWithoutCache: number;
  /** Ours with its response cache on Redis (npm run bench:mix only). */
  gatewayWithRedisCache: number;
  stockGateway: number;
  stockGatewayStats: number;
  hiveGateway: number;
  hiveGatewayStats: number;
}

export function benchPorts(base: number): BenchPorts {
  return {
    gateway: base,
    library: base + 1,
    'bpsdm-central': base + 2,
    'bpsdm-regional': base + 3,
    gatewayWithoutCache: base + 4,
    stockGateway: base + 5,
    hiveGateway: base + 6,
    gatewayWithRedisCache: base + 7,
    stockGatewayStats: base + 15,
    hiveGatewayStats: base + 16,
  };
}

/** Fails at once when another program holds one of the ports (another graph, another bench). */
export async function assertPortsFree(ports: BenchPorts): Promise<void> {
  for (const port of Object.values(ports)) {
    const taken = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (taken) throw new Error(`port ${port} is in use: set BENCH_PORT to another base port`);
  }
}

const subgraphUrl = (port: number) => `http://localhost:${port}/graphql`;

/** The checked-in supergraph with its routing URLs (npm start's ports) replaced by `urls`. */
export function routeSupergraph(supergraphSdl: string, urls: Record<string, string>): string {
  const defaults = { library: 4001, 'bpsdm-central': 4002, 'bpsdm-regional': 4003 } as const;
  let sdl = supergraphSdl;
  for (const [name, port] of Object.entries(defaults)) {
    const routing = `@join__graph(name: "${name}", url: "${subgraphUrl(port)}")`;
    if (!sdl.includes(routing)) throw new Error(`the supergraph has no ${routing}`);
    const url = urls[name];
    if (!url) throw new Error(`no URL for the ${name} subgraph`);
    sdl = sdl.replace(routing, `@join__graph(name: "${name}", url: "${url}")`);
  }
  return sdl;
}

/** The checked-in supergraph with its routing URLs pointed at the bench's subgraphs. */
export function writeBenchSupergraph(supergraphSdl: string, ports: BenchPorts): string {
  const urls = {
    library: subgraphUrl(ports.library),
    'bpsdm-central': subgraphUrl(ports['bpsdm-central']),
    'bpsdm-regional': subgraphUrl(ports['bpsdm-regional']),
  };
  fs.mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const file = path.join(BENCH_DATA_DIR, 'supergraph.graphql');
  fs.writeFileSync(file, routeSupergraph(supergraphSdl, urls));
  return file;
}

/**
 * Hive Gateway is heavy (~500 MB): not in the root package.json, installed into bench/hive
 * (its own lock file) by `.ci/run`, or here on the first run of the bench or its interop test.
 */
export function ensureHiveGatewayInstalled(): void {
  if (fs.existsSync(path.join(HIVE_DIR, 'node_modules', '@graphql-hive', 'gateway'))) return;
  console.log('installing Hive Gateway (npm ci --prefix bench/hive)…');
  execFileSync('npm', ['ci', '--prefix', HIVE_DIR, '--no-audit', '--no-fund'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/**
 * Hive Gateway's CLI on a supergraph file, with bench/hive/gateway.config.ts (the client's
 * Authorization and the gateway credential go on to every subgraph).
 */
export function spawnHiveGateway(
  supergraphFile: string,
  port: number,
  env: NodeJS.ProcessEnv,
  stdio: StdioOptions,
): ChildProcess {
  const cli = path.join(HIVE_DIR, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
  const args = [cli, 'supergraph', supergraphFile, '--port', String(port)];
  return spawn(process.execPath, [...args, '--config-path', 'gateway.config.ts'], {
    cwd: HIVE_DIR,
    env,
    stdio,
  });
}

/**
 * A process's output, start-up messages and per-request log lines alike, goes to its own file,
 * as a service's would in production (never to the bench's pipe, which would cost the bench).
 */
function outputTo(name: string) {
  fs.mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const logFile = path.join(BENCH_DATA_DIR, `${name}.log`);
  const output = fs.openSync(logFile, 'w');
  return { stdio: { stdout: output, stderr: output }, logFile };
}

/**
 * The bench measures throughput with one admin token, not the per-caller limits, which would
 * soon refuse it (e.g. 300 certificate checks an hour): our gateways lift them for the bench.
 * `npm run bench:flood` measures the limits themselves.
 */
const UNLIMITED_CALLER: NodeJS.ProcessEnv = {
  CALLER_COST_PER_MINUTE: '0',
  CERTIFICATE_CHECKS_PER_HOUR: '1000000000',
  NIP_LOOKUPS_PER_HOUR: '1000000000',
};

export class BenchProcesses {
  private children: { name: string; child: ChildProcess; logFile: string }[] = [];

  /** `ourGatewayEnv`: more settings for every instance of our gateway (the graph's included). */
  constructor(
    private readonly ports: BenchPorts,
    private readonly databaseUrl: string,
    private readonly ourGatewayEnv: NodeJS.ProcessEnv = {},
  ) {}

  private subgraphUrls(): NodeJS.ProcessEnv {
    return {
      LIBRARY_URL: subgraphUrl(this.ports.library),
      BPSDM_CENTRAL_URL: subgraphUrl(this.ports['bpsdm-central']),
      BPSDM_REGIONAL_URL: subgraphUrl(this.ports['bpsdm-regional']),
    };
  }

  private async started(name: string, child: ChildProcess, logFile: string, readyUrl: string) {
    this.children.push({ name, child, logFile });
    try {
      await waitForHealthy(readyUrl, 600_000, child);
    } catch (error) {
      throw new Error(`${name} did not start (see ${logFile}): ${String(error)}`);
    }
  }

  /** The three subgraphs and our gateway with its defaults (response cache on). */
  async startGraph(): Promise<void> {
    const { stdio, logFile } = outputTo('graph');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      SEED_ON_START: 'large',
      EXPOSE_SQL_STATEMENT_COUNT: '1',
      GATEWAY_PORT: String(this.ports.gateway),
      LIBRARY_PORT: String(this.ports.library),
      BPSDM_CENTRAL_PORT: String(this.ports['bpsdm-central']),
      BPSDM_REGIONAL_PORT: String(this.ports['bpsdm-regional']),
      ...this.subgraphUrls(),
      ...UNLIMITED_CALLER,
      ...this.ourGatewayEnv,
      // Seeding the large data set the first time takes longer than a normal start.
      STARTUP_TIMEOUT_MS: '600000',
    };
    const child = spawnTypeScript('scripts/start.ts', env, stdio);
    await this.started(
      'the graph',
      child,
      logFile,
      `http://localhost:${this.ports.gateway}/health`,
    );
  }

  /** Another instance of our gateway on the same subgraphs, with `env` added to its settings. */
  private async startOurGateway(name: string, port: number, env: NodeJS.ProcessEnv) {
    const { stdio, logFile } = outputTo(name);
    const child = spawnTypeScript(
      'gateway/index.ts',
      {
        ...process.env,
        EXPOSE_SQL_STATEMENT_COUNT: '1',
        GATEWAY_PORT: String(port),
        ...this.subgraphUrls(),
        ...UNLIMITED_CALLER,
        ...this.ourGatewayEnv,
        ...env,
      },
      stdio,
    );
    await this.started(name, child, logFile, `http://localhost:${port}/health`);
  }

  /** A second instance of our gateway, its response cache switched off. */
  async startGatewayWithoutCache(): Promise<void> {
    await this.startOurGateway('gateway-without-cache', this.ports.gatewayWithoutCache, {
      RESPONSE_CACHE: 'off',
    });
  }

  /**
   * An instance of our gateway whose response cache (and lookup budget) live on `redisUrl`,
   * under key prefixes of this run's own (`keyPrefix`), beside whatever else uses that Redis.
   */
  async startGatewayWithRedisCache(redisUrl: string, keyPrefix: string): Promise<void> {
    await this.startOurGateway('gateway-redis-cache', this.ports.gatewayWithRedisCache, {
      REDIS_URL: redisUrl,
      RESPONSE_CACHE_REDIS_PREFIX: `${keyPrefix}response-cache:`,
      CALLER_BUDGET_REDIS_PREFIX: `${keyPrefix}caller-budget:`,
      LOOKUP_BUDGET_REDIS_PREFIX: `${keyPrefix}lookup-budget:`,
    });
  }

  async startStockGateway(supergraphFile: string): Promise<void> {
    const { stdio, logFile } = outputTo('stock-gateway');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      EXPOSE_SQL_STATEMENT_COUNT: '1',
      PORT: String(this.ports.stockGateway),
      DEBUG_STATS_PORT: String(this.ports.stockGatewayStats),
    };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench', 'stock-gateway.ts'), supergraphFile],
      { cwd: ROOT, env, stdio: ['ignore', stdio.stdout, stdio.stderr] },
    );
    // Its stats port opens once the gateway listens.
    const ready = `http://localhost:${this.ports.stockGatewayStats}/debug/process`;
    await this.started('stock @apollo/gateway', child, logFile, ready);
  }

  async startHiveGateway(supergraphFile: string): Promise<void> {
    const { stdio, logFile } = outputTo('hive-gateway');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      EXPOSE_SQL_STATEMENT_COUNT: '1',
      DEBUG_STATS_PORT: String(this.ports.hiveGatewayStats),
    };
    const child = spawnHiveGateway(supergraphFile, this.ports.hiveGateway, env, [
      'ignore',
      stdio.stdout,
      stdio.stderr,
    ]);
    const ready = `http://localhost:${this.ports.hiveGateway}/readiness`;
    await this.started('Hive Gateway', child, logFile, ready);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.children.map(({ child }) => stopProcess(child)));
  }
}
