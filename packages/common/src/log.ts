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
