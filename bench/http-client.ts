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

/** Sends the request and resolves with its HTTP status and the answer's bytes. */
function post(request: GraphQLPost): Promise<{ status: number; answer: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': request.body.length,
          ...(request.authorization ? { authorization: request.authorization } : {}),
          ...request.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, answer: Buffer.concat(chunks) }),
        );
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // A server may close an idle kept-alive socket just as it is reused: Node's documented
      // answer is to send again (a read, so safe). Any other failure counts.
      if (outgoing.reusedSocket && error.code === 'ECONNRESET') {
        post(request).then(resolve, reject);
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
  const { status, answer } = await post(request);
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
  const { status, answer } = await post(request);
  return { status, errors: answer.includes('"errors"') };
}
