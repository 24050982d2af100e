import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@coop/common';
import {
  freePort,
  spawnTypeScript,
  stopProcess,
  waitForHealthy,
} from '../../scripts/lib/processes';
import { testStack } from './stack';

export type SubgraphName = 'library' | 'bpsdm-central' | 'bpsdm-regional';

/** Processes a test starts besides the shared stack: same database, keys and secret. */
export interface Instances {
  /** Base URL (without `/graphql`) of every instance, in start order. */
  urls: string[];
  stop(): Promise<void>;
}

const ENTRY: Record<SubgraphName | 'gateway', string> = {
  library: 'services/library/index.ts',
  'bpsdm-central': 'services/bpsdm-central/index.ts',
  'bpsdm-regional': 'services/bpsdm-regional/index.ts',
  gateway: 'gateway/index.ts',
};

/**
 * Starts `count` processes of a subgraph or of the gateway, each on a free port, on the stack's
 * database (nothing seeded: the stack did) with the stack's key pair and gateway credential;
 * `env` adds or overrides variables. Their logs go to the stack's log folder.
 */
export async function startInstances(
  which: SubgraphName | 'gateway',
  count: number,
  env: NodeJS.ProcessEnv = {},
): Promise<Instances> {
  const stack = testStack();
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const stop = () => Promise.all(children.map((child) => stopProcess(child))).then(() => undefined);
  try {
    await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const port = await freePort();
        const service = SERVICES.find((definition) => definition.name === which);
        const log = fs.openSync(
          path.join(path.dirname(stack.logFile), `instance-${which}-${port}.log`),
          'w',
        );
        const child = spawnTypeScript(
          ENTRY[which],
          {
            ...process.env,
            DATABASE_URL: stack.databaseUrls[which === 'gateway' ? 'library' : which],
            SEED_ON_START: 'none',
            EXPOSE_SQL_STATEMENT_COUNT: '1',
            SUBGRAPH_SECRET: stack.subgraphSecret,
            AUTH_DEV_KEY_DIR: stack.devKeyDir,
            AUTH_JWKS_URL: '',
            AUTH_PUBLIC_KEY: '',
            TODAY: '2026-11-25',
            NODE_OPTIONS: '--max-old-space-size=256',
            ...(service
              ? { [service.portVariable]: String(port) }
              : { GATEWAY_PORT: String(port) }),
            ...env,
          },
          { stdout: log, stderr: log },
        );
        fs.closeSync(log);
        children.push(child);
        await waitForHealthy(`http://localhost:${port}/livez`, 60_000, child);
        urls[index] = `http://localhost:${port}`;
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, stop };
}
