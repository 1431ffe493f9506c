/**
 * The plan of a read query answered from rows (src/db/page-rows.ts) instead of the resolvers:
 * what src/plugins/sql-execution.ts makes of an operation once fragments are collected and every
 * field's rule passed, and what the data functions need to fetch its rows. Pages, owners and
 * lookups are fetched by the same functions the resolvers call (artifacts.ts, collections.ts,
 * membership.ts), told only which columns to read.
 */
import type { ArtifactFilter } from './model.js';
import type { PageWindow } from './pagination.js';

/**
 * The one signal that the fast path cannot answer (a field it does not read, a rule it cannot
 * judge, a stored value GraphQL would not pass through unchanged): the resolvers answer instead.
 * Any other error on the fast path is a bug, logged and counted by the plugin.
 */
export class CannotAnswer extends Error {
  constructor(reason: string) {
    super(`not answerable from rows: ${reason}`);
  }
}

export function cannotAnswer(reason: string): never {
  throw new CannotAnswer(reason);
}

/** How one stored value becomes one field of the answer. */
export type ColumnValue =
  /** A text column (or the first non-null of several), as String. */
  | { kind: 'text'; columns: readonly string[]; nullable: boolean }
  /** A text column holding one of `values`, as an enum. */
  | { kind: 'enum'; column: string; values: readonly string[] }
  /** A timestamp stored in the DateTime scalar's wire form (serializeDateTime passes it through). */
  | { kind: 'datetime'; column: string }
  /** A JSON array of strings kept in a text column, as [String!]!, when stored as JSON.stringify writes it. */
  | { kind: 'stringList'; column: string }
  /** The row's Relay global id (encodeGlobalId). */
  | { kind: 'globalId'; typename: string }
  /** A constant string: `__typename`. */
  | { kind: 'constant'; value: string };

/** The object types answered from one row. */
export type RowType = 'Artifact' | 'Collection' | 'User';

/**
 * Which columns a query reads: the listed table's, and (joined on owner_id, at most one users row
 * per listed row) the owner's, each named `owner__<column>` in the rows. 'all' is every column of
 * the listed table and no owner: what the resolvers read.
 */
export type RowSelection = 'all' | { readonly columns: readonly string[]; readonly owner: readonly string[] | null };

export const OWNER_PREFIX = 'owner__';

/** A key that tells selections apart, for the compiled-query cache (QueryTemplate). */
export function selectionKey(selection: RowSelection): string {
  return selection === 'all' ? '*' : `${selection.columns.join(',')}|${selection.owner?.join(',') ?? ''}`;
}

/** The lists a connection pages through: the two root lists and the two sides of membership. */
export type ListSource = 'artifacts' | 'collections' | 'artifactsOfCollection' | 'collectionsOfArtifact';

export type RowField =
  | { key: string; kind: 'value'; value: ColumnValue }
  /** Artifact.owner: the users row of owner_id, or null. */
  | { key: string; kind: 'owner'; user: RowPlan }
  | { key: string; kind: 'connection'; connection: ListPlan };

export interface RowPlan {
  readonly type: RowType;
  readonly fields: readonly RowField[];
}

export type EdgeField = { key: string; kind: 'node'; node: RowPlan } | { key: string; kind: 'cursor' } | { key: string; kind: 'constant'; value: string };

export type PageInfoField =
  | { key: string; kind: 'hasNextPage' | 'hasPreviousPage' | 'startCursor' | 'endCursor' }
  | { key: string; kind: 'constant'; value: string };

export type ConnectionField =
  | { key: string; kind: 'edges'; edge: readonly EdgeField[] }
  | { key: string; kind: 'pageInfo'; pageInfo: readonly PageInfoField[] }
  | { key: string; kind: 'totalCount' }
  | { key: string; kind: 'constant'; value: string };

/** A page of a list: at the root, or one per row of the fetch it sits in (`parent`). */
export interface ListPlan {
  readonly kind: 'list';
  /** Its place in ResponsePlan.fetches: a parent always comes before its children. */
  readonly index: number;
  readonly parent: number | null;
  readonly source: ListSource;
  readonly window: PageWindow;
  /** The root artifacts list's filter (already validated once), else null. */
  readonly filter: ArtifactFilter | null;
  readonly selection: RowSelection;
  readonly counted: boolean;
  readonly fields: readonly ConnectionField[];
}

/** A root lookup by id (artifact, collection, node): one row or null. */
export interface LookupPlan {
  readonly kind: 'lookup';
  readonly index: number;
  readonly parent: null;
  readonly source: 'artifact' | 'collection';
  readonly id: number;
  readonly selection: RowSelection;
  readonly node: RowPlan;
}

export type FetchPlan = ListPlan | LookupPlan;

export type ResponseField =
  | { key: string; kind: 'list'; list: ListPlan }
  | { key: string; kind: 'lookup'; lookup: LookupPlan }
  | { key: string; kind: 'constant'; value: string };

export interface ResponsePlan {
  readonly fields: readonly ResponseField[];
  /** Every fetch of the plan, each at its index, parents first. */
  readonly fetches: readonly FetchPlan[];
}
