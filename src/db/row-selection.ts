/** The columns of a RowSelection as Kysely select items (read-plan.ts says what a selection is). */
import { sql, type AliasedRawBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { ArtifactsTable, CollectionsTable } from './database.js';
import { OWNER_PREFIX, type RowSelection } from './read-plan.js';

/** The alias of the owner's users row, joined on `<listed>.owner_id`. */
export const OWNER_ALIAS = 'owner';

/** The listed table's columns under their own names, the owner's as owner__<column>. */
export function selectedColumns(listed: string, selection: Exclude<RowSelection, 'all'>): AliasedRawBuilder<unknown, string>[] {
  return [
    ...selection.columns.map((column) => sql.ref(`${listed}.${column}`).as(column)),
    ...(selection.owner ?? []).map((column) => sql.ref(`${OWNER_ALIAS}.${column}`).as(`${OWNER_PREFIX}${column}`)),
  ];
}

export const joinsOwner = (selection: RowSelection): boolean => selection !== 'all' && selection.owner !== null;

/** The join condition of the owner's row: at most one users row per listed row. */
export function ownerOf(listed: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(`${OWNER_ALIAS}.id`)} = ${sql.ref(`${listed}.owner_id`)}`;
}

/** Every column of each listed table: what the selection 'all' reads where a query names its columns. */
export const ALL_COLUMNS = {
  artifacts: Object.keys({
    id: true, name: true, type: true, description: true, tags: true, visibility: true, team_id: true, owner_id: true, created_at: true, updated_at: true,
  } satisfies Record<keyof ArtifactsTable, true>),
  collections: Object.keys({
    id: true, name: true, description: true, visibility: true, team_id: true, owner_id: true, created_at: true, updated_at: true,
  } satisfies Record<keyof CollectionsTable, true>),
} as const;

/** A selection with its columns named: 'all' as every column of `listed` and no owner. */
export function namedColumns(selection: RowSelection, listed: keyof typeof ALL_COLUMNS): Exclude<RowSelection, 'all'> {
  return selection === 'all' ? { columns: ALL_COLUMNS[listed], owner: null } : selection;
}
