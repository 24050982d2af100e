import compression from 'compression';
import type { Request, Response } from 'express';

/**
 * gzip or brotli, as the client accepts, for everything the gateway sends: the explorer's
 * files, `/schema.graphql` and GraphQL's JSON answers, cache hits included (the response
 * cache keeps the uncompressed bytes and they are compressed on the way out). Incremental
 * delivery (`multipart/mixed`) and event streams are left alone: compression would hold their
 * parts back until enough bytes gathered.
 */
export function responseCompression() {
  return compression({
    filter: (req: Request, res: Response) => {
      const type = String(res.getHeader('content-type') ?? '');
      if (/^(multipart\/|text\/event-stream)/i.test(type)) return false;
      return compression.filter(req, res);
    },
  });
}
