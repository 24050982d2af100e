import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * How the gateway proves itself to the subgraphs: every subgraph request carries the secret
 * shared by the gateway and the subgraphs (`SUBGRAPH_SECRET`). The caller's token still travels
 * and is still verified; the secret only says that the request came through the gateway's
 * limits. `npm start` makes a fresh one for each start when it is not set.
 */
export const GATEWAY_CREDENTIAL_HEADER = 'x-gateway-credential';

export function subgraphSecret(): string | undefined {
  return process.env.SUBGRAPH_SECRET || undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Refuses, before anything is parsed, every request that does not carry the gateway's
 * credential: 401 without one, 403 with a wrong one, 503 when this subgraph has no secret.
 */
export function gatewayOnly(secret: string | undefined) {
  const expected = secret ? digest(secret) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!expected) {
      refuse(
        res,
        503,
        'GATEWAY_CREDENTIAL_NOT_CONFIGURED',
        'This subgraph has no SUBGRAPH_SECRET: set the same value for it and for the gateway',
      );
      return;
    }
    const presented = req.headers[GATEWAY_CREDENTIAL_HEADER];
    if (typeof presented !== 'string' || !presented) {
      refuse(
        res,
        401,
        'UNAUTHENTICATED',
        'This subgraph answers the gateway only: send your request to the gateway',
      );
      return;
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      refuse(res, 403, 'FORBIDDEN', 'The gateway credential is not valid for this subgraph');
      return;
    }
    next();
  };
}
