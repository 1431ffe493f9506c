/** Forward cursor pagination: `first` (0–100, default 20) and an opaque `after` cursor. */
import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { badInput } from '../errors.js';
import { decodeCursor } from '../ids.js';
import type { SlotOf } from './query-template.js';

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

/**
 * The page window as SQL, the one form every page query has: the rows after the cursor's id
 * (`after` says whether a cursor is given), in `id` order, `limit` of them (the caller's limit + 1:
 * one more tells of a next page). Values come from windowValues.
 */
export function inPageWindow<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, id: string, after: boolean, slot: SlotOf): SelectQueryBuilder<DB, TB, O> {
  const ref = sql.ref(id);
  return (after ? query.where(sql<SqlBool>`${ref} > ${slot<number>('after')}`) : query).orderBy(ref).limit(slot<number>('limit'));
}

/** The slot values of inPageWindow (and whether a cursor is given, which is part of a query's shape). */
export function windowValues(window: PageWindow): { after: number | null; limit: number } {
  return { after: window.afterId, limit: window.limit + 1 };
}
