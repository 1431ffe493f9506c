/**
 * Rows of the listed tables looked up by id, with tenancy: artifact(id), collection(id) and
 * node(id) on the fast path, and the resolvers' loaders. One query for both tables.
 */
import type { Selectable } from 'kysely';
import type { Viewer } from '../vocabulary/viewer.js';
import type { Db, Tables } from './database.js';
import { numberedValues, QueryTemplate } from './query-template.js';
import { selectionKey, type RowSelection } from './read-plan.js';
import { LISTED, selectingRow, type Listed } from './row-selection.js';
import { readAccess, visibleRowsOf, type ReadAccess } from './tenancy.js';

interface LookupShape {
  listed: Listed;
  ids: number;
  access: ReadAccess;
  selection: RowSelection;
}

/** The rows of `listed` with ids id0… that the viewer may read (any order). */
const rowsWithIds = new QueryTemplate(
  (shape: LookupShape) => `${shape.listed}:${shape.ids}:${shape.access}:${selectionKey(shape.selection)}`,
  (db, shape, slot) => {
    const visible = visibleRowsOf(shape.access, 'r', slot('team'));
    const rows = db
      .selectFrom(db.dynamic.table(shape.listed).as('r'))
      .where('r.id', 'in', Array.from({ length: shape.ids }, (_, i) => slot<number>(`id${i}`)))
      .$if(visible !== null, (qb) => qb.where(visible!));
    return selectingRow(rows, 'r', shape.listed, shape.selection);
  },
);

/** The rows of `listed` with these ids that the viewer may read (any order), with the columns `selection` names. */
export async function rowsByIds(db: Db, viewer: Viewer, listed: Listed, ids: readonly number[], selection: RowSelection): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  const distinct = [...new Set(ids)];
  return (await rowsWithIds.execute(
    db,
    { listed, ids: distinct.length, access: readAccess(viewer, LISTED[listed].readScope), selection },
    { ...numberedValues('id', distinct), team: viewer.teamId },
  )) as Record<string, unknown>[];
}

/** The records with these ids that the viewer may read, in the order asked; null for the rest. */
export async function recordsByIds<L extends Listed, R>(
  db: Db,
  viewer: Viewer,
  listed: L,
  ids: readonly number[],
  toRecord: (row: Selectable<Tables[L]>) => R,
): Promise<(R | null)[]> {
  const rows = (await rowsByIds(db, viewer, listed, ids, 'all')) as unknown as (Selectable<Tables[L]> & { id: number })[];
  const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
  return ids.map((id) => byId.get(id) ?? null);
}
