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

/** What fills a page window's SQL: the cursor's id and the row count (the caller's limit + 1), as values or as QueryTemplate slots. */
export interface WindowValues {
  readonly after: number | null;
  readonly limit: number;
}

/**
 * The page window as SQL, the one form every page query has: the rows after the cursor's id
 * (`after` says whether a cursor is given), in `id` order, limit + 1 of them (one more tells of
 * a next page). `values` are windowValues(window), or windowSlots(slot) in a QueryTemplate.
 */
export function inPageWindow<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, id: string, after: boolean, values: WindowValues): SelectQueryBuilder<DB, TB, O> {
  const ref = sql.ref(id);
  return (after ? query.where(sql<SqlBool>`${ref} > ${values.after}`) : query).orderBy(ref).limit(values.limit);
}

/** The values of a page window's SQL (and, with whether a cursor is given, a QueryTemplate's slot values). */
export function windowValues(window: PageWindow): WindowValues {
  return { after: window.afterId, limit: window.limit + 1 };
}

/** A page window's slots in a QueryTemplate, filled by windowValues. */
export function windowSlots(slot: SlotOf): WindowValues {
  return { after: slot<number>('after'), limit: slot<number>('limit') };
}

/** A page of a table that is not read by the fast path: `query` in the window, its rows mapped to records. */
export async function pageOf<DB, TB extends keyof DB, O, T>(
  query: SelectQueryBuilder<DB, TB, O>,
  id: string,
  window: PageWindow,
  toRecord: (row: O) => T,
): Promise<Page<T>> {
  const rows = await inPageWindow(query, id, window.afterId !== null, windowValues(window)).execute();
  return toPage(rows.map(toRecord), window);
}

/** How many rows `query` has: a list's own table and filters, before its window, counted. */
export async function countOf<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  const row = await query.select(sql<number | string>`count(*)`.as('count')).$castTo<{ count: number | string }>().executeTakeFirstOrThrow();
  return Number(row.count);
}
