import http from 'node:http';

/**
 * The load generator's HTTP client: plain node:http on kept-alive sockets, the same for every
 * target, so the client's own cost per request is the same whichever target it measures.
 */
const agent = new http.Agent({ keepAlive: true });

export interface GraphQLPost {
  url: string;
  hostname: string;
  port: string;
  path: string;
  /** The JSON body, encoded once: the load loop sends the same bytes again and again. */
  body: Buffer;
  authorization: string;
  /** Headers of a request sent straight to a subgraph as the gateway would (the floor). */
  headers?: Record<string, string>;
}

export function graphQLPost(
  url: string,
  payload: unknown,
  authorization: string,
  headers?: Record<string, string>,
): GraphQLPost {
  const { hostname, port, pathname } = new URL(url);
  const body = Buffer.from(JSON.stringify(payload));
  return { url, hostname, port, path: pathname, body, authorization, headers };
}

/** What came back: the HTTP status, the answer's bytes and our gateway's `x-cache` header. */
export interface Exchange {
  status: number;
  answer: Buffer;
  /** hit, miss, shared or bypass from our gateway; undefined from the others. */
  cacheState?: string;
}

/**
 * Sends the request and resolves with what came back. With `timeoutMs`, a request unanswered
 * by then rejects (an open-loop load must not wait forever for a target that has given up).
 */
export function exchange(request: GraphQLPost, timeoutMs?: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': request.body.length,
          ...(request.authorization ? { authorization: request.authorization } : {}),
          ...request.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        const cacheState = response.headers['x-cache'];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            answer: Buffer.concat(chunks),
            cacheState: typeof cacheState === 'string' ? cacheState : undefined,
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // A server may close an idle kept-alive socket just as it is reused: Node's documented
      // answer is to send again (safe: the bench's writes carry a clientKey or set a value, and
      // the request never reached the server). Any other failure counts.
      if (outgoing.reusedSocket && error.code === 'ECONNRESET') {
        exchange(request, timeoutMs).then(resolve, reject);
      } else {
        reject(new Error(`${request.url}: ${error.message}`));
      }
    });
    outgoing.end(request.body);
  });
}

/**
 * Sends the request and resolves with the answer's bytes. Anything but a 200 without GraphQL
 * errors rejects: a target that fails must not be counted as fast.
 */
export async function send(request: GraphQLPost): Promise<Buffer> {
  const { status, answer } = await exchange(request);
  // A GraphQL error anywhere in the answer shows as this key; no field is named so.
  if (status !== 200 || answer.includes('"errors"')) {
    const excerpt = answer.subarray(0, 600).toString();
    throw new Error(`${request.url} answered ${status}: ${excerpt}`);
  }
  return answer;
}

/**
 * Sends the request and resolves with its HTTP status and whether the answer carries GraphQL
 * errors, whatever they are: for loads where refusals (429) are expected and counted.
 */
export async function sendForStatus(
  request: GraphQLPost,
): Promise<{ status: number; errors: boolean }> {
  const { status, answer } = await exchange(request);
  return { status, errors: answer.includes('"errors"') };
}
