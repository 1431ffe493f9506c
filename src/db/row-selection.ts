/**
 * The two tables a client lists and looks up (artifacts, collections): what reading them needs,
 * and the columns of a RowSelection (read-plan.ts says what a selection is) as Kysely select items.
 */
import { sql, type AliasedRawBuilder, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Scope } from '../vocabulary/scopes.js';
import type { ArtifactsTable, CollectionsTable, Tables } from './database.js';
import { OWNER_PREFIX, type RowSelection } from './read-plan.js';

/** The alias of the owner's users row, joined on `<listed>.owner_id`. */
export const OWNER_ALIAS = 'owner';

/** Each listed table: every column (what the selection 'all' reads), the scope a read needs, and whether its GraphQL type has an owner field. */
export const LISTED = {
  artifacts: {
    columns: Object.keys({
      id: true, name: true, type: true, description: true, tags: true, visibility: true, team_id: true, owner_id: true, created_at: true, updated_at: true,
    } satisfies Record<keyof ArtifactsTable, true>),
    readScope: 'artifacts:read',
    hasOwner: true,
  },
  collections: {
    columns: Object.keys({
      id: true, name: true, description: true, visibility: true, team_id: true, owner_id: true, created_at: true, updated_at: true,
    } satisfies Record<keyof CollectionsTable, true>),
    readScope: 'collections:read',
    hasOwner: false,
  },
} as const satisfies Record<string, { columns: readonly string[]; readScope: Scope; hasOwner: boolean }>;

export type Listed = keyof typeof LISTED;

/**
 * A selection with its columns named: 'all' as every column of `listed` and no owner. A table
 * whose type has no owner field (collections) never joins one, whatever the selection says.
 */
export function namedColumns(selection: RowSelection, listed: Listed): Exclude<RowSelection, 'all'> {
  if (selection === 'all') return { columns: LISTED[listed].columns, owner: null };
  return LISTED[listed].hasOwner ? selection : { ...selection, owner: null };
}

/** The listed table's columns under their own names, the owner's as owner__<column>. */
function selectedColumns(alias: string, selection: Exclude<RowSelection, 'all'>): AliasedRawBuilder<unknown, string>[] {
  return [
    ...selection.columns.map((column) => sql.ref(`${alias}.${column}`).as(column)),
    ...(selection.owner ?? []).map((column) => sql.ref(`${OWNER_ALIAS}.${column}`).as(`${OWNER_PREFIX}${column}`)),
  ];
}

/** The join condition of the owner's row: at most one users row per listed row. */
function ownerOf(alias: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(`${OWNER_ALIAS}.id`)} = ${sql.ref(`${alias}.owner_id`)}`;
}

/**
 * `query` reading the columns `selection` names from the `listed` row under `alias`, with the
 * owner's users row joined (left: an owner may be gone) when the selection reads any of it;
 * 'all' reads `alias`.* (what the resolvers read).
 */
export function selectingRow<DB extends Tables, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  alias: TB & string,
  listed: Listed,
  selection: RowSelection,
): SelectQueryBuilder<DB, TB, O> {
  if (selection === 'all') return query.selectAll(alias) as SelectQueryBuilder<DB, TB, O>;
  const named = namedColumns(selection, listed);
  // The columns are named at run time (sql.ref), so the rows are untyped to every caller (Record<string, unknown>).
  const joined = named.owner === null ? query : (query.leftJoin(`users as ${OWNER_ALIAS}`, (join) => join.on(ownerOf(alias))) as unknown as SelectQueryBuilder<DB, TB, O>);
  return joined.select(selectedColumns(alias, named)) as unknown as SelectQueryBuilder<DB, TB, O>;
}
