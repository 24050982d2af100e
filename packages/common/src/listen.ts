import type http from 'node:http';

/** The port a service was told to use is taken by another process. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

/**
 * Listens on `port`; a port another process holds rejects (PortInUseError) instead of the
 * server's unhandled 'error' event, which ended the process with a stack trace.
 */
export function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** What to log when a service cannot start: the variable to change when its port is taken. */
export function startFailure(error: unknown, portVariable: string): { msg: string; error: string } {
  if (error instanceof PortInUseError) {
    return {
      msg: `${error.message}: set ${portVariable} to a free port (e.g. ${portVariable}=${error.port + 100})`,
      error: error.name,
    };
  }
  return { msg: 'failed to start', error: error instanceof Error ? error.message : String(error) };
}
