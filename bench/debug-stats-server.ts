import type http from 'node:http';
import express from 'express';
// A relative path, not '@coop/common': Hive Gateway's config loader imports this file and knows
// nothing of the project's path aliases (nor needs the rest of the kit).
import { debugStats } from '../packages/common/src/debug-stats';

/**
 * Serves the debug router (this process's CPU time and allocation) on a port of its own, beside
 * a third-party gateway whose HTTP server the benchmark leaves as it comes.
 */
export function serveDebugStats(port: number): http.Server {
  const app = express();
  app.use(debugStats());
  // It must not keep the process alive once the gateway has stopped.
  return app.listen(port).unref();
}
