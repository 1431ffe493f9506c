/** Forward cursor pagination: `first` (0–100, default 20) and an opaque `after` cursor. */
import { badInput } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Validated page arguments: rows with id > afterId, `limit` of them. */
export interface PageWindow {
  readonly limit: number;
  readonly afterId: number | null;
}

export interface Page<T> {
  readonly items: T[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

/** What a cursor encodes before the row id. */
export const CURSOR_PREFIX = 'c1:';

export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!/^[1-9]\d{0,14}$/.test(id)) throw badInput(`"after" is not a valid cursor: use an endCursor or cursor from a previous page.`, 'after');
  return Number(id);
}

export function pageWindow(args: PageArgs): PageWindow {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`"first" must be between 0 and ${MAX_PAGE_SIZE}, got ${first}.`, 'first');
  }
  return { limit: first, afterId: args.after == null ? null : decodeCursor(args.after) };
}

/** Turns up to limit+1 rows (fetched to learn whether more exist) into a page. */
export function toPage<T>(rows: T[], window: PageWindow): Page<T> {
  return {
    items: rows.slice(0, window.limit),
    hasNextPage: rows.length > window.limit,
    hasPreviousPage: window.afterId !== null,
  };
}
