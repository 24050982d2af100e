import { STATUS_CODES } from 'node:http';
import type { FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';

type RawHeaders = Record<string, string | string[] | undefined>;

/** A subgraph response's headers, as `RemoteGraphQLDataSource` and its hooks read them. */
export class SubgraphHeaders implements FetcherHeaders {
  private readonly byName = new Map<string, string>();

  constructor(raw: RawHeaders | Iterable<[string, string]>) {
    const entries = Symbol.iterator in raw ? raw : Object.entries(raw);
    for (const [name, value] of entries) {
      if (value !== undefined) this.append(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const previous = this.byName.get(key);
    this.byName.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }

  delete(name: string): void {
    this.byName.delete(name.toLowerCase());
  }

  get(name: string): string | null {
    return this.byName.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.byName.set(name.toLowerCase(), value);
  }

  entries(): IterableIterator<[string, string]> {
    return this.byName.entries();
  }

  keys(): IterableIterator<string> {
    return this.byName.keys();
  }

  values(): IterableIterator<string> {
    return this.byName.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.byName.entries();
  }
}

/**
 * A subgraph's answer without the WHATWG fetch machinery: status, headers and a body that is
 * read from the socket once, when first asked for, and shared by clones. What it costs is what
 * `RemoteGraphQLDataSource` asks of it: `ok`, `status`, `headers`, then `json()` or `text()`.
 */
export class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  readonly statusText: string;
  private used = false;
  private body: Promise<string> | undefined;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: FetcherHeaders,
    private readonly readBody: () => Promise<string>,
  ) {
    this.statusText = STATUS_CODES[status] ?? '';
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  private read(): Promise<string> {
    if (this.used) return Promise.reject(new TypeError('Body is unusable: already read'));
    this.used = true;
    this.body ??= this.readBody();
    return this.body;
  }

  text(): Promise<string> {
    return this.read();
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.read()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(await this.read());
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  clone(): SubgraphResponse {
    if (this.used) throw new TypeError('Response.clone: body already read');
    this.body ??= this.readBody();
    const body = this.body;
    return new SubgraphResponse(
      this.url,
      this.status,
      new SubgraphHeaders(this.headers),
      () => body,
    );
  }
}
