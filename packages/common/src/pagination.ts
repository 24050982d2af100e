import { badInput } from './errors';

/** Arguments every Relay connection of the graph takes. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page {
  limit: number;
  offset: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const CURSOR_PREFIX = 'offset:';

export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64url');
}

/** Cursors are `offset:<n>` in base64url; an offset beyond this is no page of any connection. */
export const MAX_CURSOR_OFFSET = 2_147_483_646;

const CURSOR = /^[A-Za-z0-9_-]{1,40}$/;
const OFFSET_TEXT = /^offset:(0|[1-9][0-9]{0,9})$/;

/** The offset a cursor of this API stands for, or null when `cursor` is no such cursor. */
export function cursorOffset(cursor: string): number | null {
  if (!CURSOR.test(cursor)) return null;
  const match = OFFSET_TEXT.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) return null;
  const offset = Number(match[1]);
  // Exactly as encoded: base64 has other spellings of the same bytes, none handed out.
  return offset <= MAX_CURSOR_OFFSET && encodeCursor(offset) === cursor ? offset : null;
}

function decodeCursor(cursor: string): number {
  const offset = cursorOffset(cursor);
  if (offset === null) {
    throw badInput(
      'after',
      "after is not a cursor returned by this connection: pass an edge's cursor or pageInfo.endCursor",
    );
  }
  return offset;
}

/** Validates `first`/`after` and turns them into LIMIT/OFFSET. */
export function toPage(args: PageArgs): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`);
  }
  const offset = args.after ? decodeCursor(args.after) + 1 : 0;
  return { limit: first, offset };
}

/**
 * An edge of a connection. Its cursor is encoded only when a client asks for it (GraphQL's
 * default resolver calls the method): a page of thousands of runs rarely needs them.
 */
export class Edge<T> {
  constructor(
    readonly node: T,
    private readonly offset: number,
  ) {}

  cursor(): string {
    return encodeCursor(this.offset);
  }
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** A thunk, so the count query runs only when the client asks for `totalCount`. */
  totalCount: () => Promise<number>;
}

/**
 * Builds a connection from the rows of one page. The caller fetches `limit + 1` rows: the extra
 * row only tells whether a next page exists.
 */
export function toConnection<T>(
  rows: T[],
  page: Page,
  totalCount: () => Promise<number>,
): Connection<T> {
  const count = Math.min(rows.length, page.limit);
  const edges = new Array<Edge<T>>(count);
  for (let index = 0; index < count; index += 1) {
    edges[index] = new Edge(rows[index]!, page.offset + index);
  }
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      endCursor: count ? encodeCursor(page.offset + count - 1) : null,
    },
    totalCount,
  };
}
