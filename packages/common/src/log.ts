import pino from 'pino';

/**
 * Structured logs: one JSON object per line (pino), with the service's name. Authorization
 * headers and tokens are redacted should they ever be logged.
 */
/** Written asynchronously: a request never waits for its log line to reach the terminal. */
const destination = pino.destination({ sync: false });
process.on('exit', () => {
  try {
    destination.flushSync();
  } catch {
    // Nothing was written yet: nothing to flush.
  }
});

export const logger = pino(
  {
    level: process.env.LOG_LEVEL || 'info',
    base: { service: process.env.SERVICE_NAME || undefined },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['authorization', 'headers.authorization', 'req.headers.authorization', 'token'],
  },
  destination,
);

type Fields = Record<string, unknown>;

export const log = {
  info: (msg: string, fields: Fields = {}) => logger.info(fields, msg),
  warn: (msg: string, fields: Fields = {}) => logger.warn(fields, msg),
  error: (msg: string, fields: Fields = {}) => logger.error(fields, msg),
};

/**
 * Apollo Server's and Apollo Gateway's messages (a deprecation notice among them) as JSON lines
 * like every other: their default logger writes plain text to the console.
 */
export function apolloLogger(service: string) {
  const child = logger.child({ service, source: 'apollo' });
  return {
    debug: (message?: unknown) => child.debug(String(message)),
    info: (message?: unknown) => child.info(String(message)),
    warn: (message?: unknown) => child.warn(String(message)),
    error: (message?: unknown) => child.error(String(message)),
  };
}
