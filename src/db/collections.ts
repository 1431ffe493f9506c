/** Collection queries and membership. Each takes the Viewer, so tenancy is part of every call. */
import type { Viewer } from '../vocabulary/viewer.js';
import { forbidden, notFound } from '../errors.js';
import { type CollectionRow, type Db } from './database.js';
import { now } from '../datetime.js';
import { toCollection, type Collection, type Visibility } from './model.js';
import { inPageWindow, toPage, windowSlots, windowValues, type Page, type PageWindow } from './pagination.js';
import { recordsByIds } from './lookups.js';
import { QueryTemplate } from './query-template.js';
import { selectionKey, type RowSelection } from './read-plan.js';
import { selectingRow } from './row-selection.js';
import { canReadRow, canWriteRow, readAccess, visibleRowsOf, type ReadAccess } from './tenancy.js';
import { validDescription, validName } from './validate.js';

/** The one page query of the collections list: tenancy and the page window. */
const collectionPage = new QueryTemplate(
  (shape: { access: ReadAccess; after: boolean; selection: RowSelection }) => `${shape.access}:${shape.after}:${selectionKey(shape.selection)}`,
  (db, shape, slot) => {
    const visible = visibleRowsOf(shape.access, 'collections', slot('team'));
    const rows = db.selectFrom('collections').$if(visible !== null, (qb) => qb.where(visible!));
    return selectingRow(inPageWindow(rows, 'collections.id', shape.after, windowSlots(slot)), 'collections', 'collections', shape.selection);
  },
);

/** The rows of one page of the list (limit + 1 of them), with the columns `selection` names. */
export async function collectionPageRows(db: Db, viewer: Viewer, window: PageWindow, selection: RowSelection): Promise<Record<string, unknown>[]> {
  return (await collectionPage.execute(
    db,
    { access: readAccess(viewer, 'collections:read'), after: window.afterId !== null, selection },
    { team: viewer.teamId, ...windowValues(window) },
  )) as Record<string, unknown>[];
}

export async function listCollections(db: Db, viewer: Viewer, window: PageWindow): Promise<Page<Collection>> {
  const rows = (await collectionPageRows(db, viewer, window, 'all')) as unknown as CollectionRow[];
  return toPage(rows.map(toCollection), window);
}

const collectionCount = new QueryTemplate(
  (shape: { access: ReadAccess }) => shape.access,
  (db, shape, slot) => {
    const visible = visibleRowsOf(shape.access, 'collections', slot('team'));
    return db
      .selectFrom('collections')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .$if(visible !== null, (qb) => qb.where(visible!));
  },
);

export async function countCollections(db: Db, viewer: Viewer): Promise<number> {
  const [row] = await collectionCount.execute(db, { access: readAccess(viewer, 'collections:read') }, { team: viewer.teamId });
  return Number(row?.count ?? 0);
}

/** The collections with these ids that the viewer may read, in the order asked; null for the rest. */
export function collectionsByIds(db: Db, viewer: Viewer, ids: readonly number[]): Promise<(Collection | null)[]> {
  return recordsByIds(db, viewer, 'collections', ids, toCollection);
}

/** NOT_FOUND when `viewer` cannot read the collection, FORBIDDEN when it can read but not write it. */
export async function writableCollection(db: Db, viewer: Viewer, id: number, globalId: string): Promise<Collection> {
  const row = await db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !canReadRow(viewer, row)) throw notFound('collection', globalId);
  if (!canWriteRow(viewer, row)) throw forbidden('This collection belongs to another team.');
  return toCollection(row);
}

export interface CreateCollectionInput {
  name: string;
  description?: string | null;
  visibility?: Visibility | null;
}

export async function createCollection(db: Db, viewer: Viewer, input: CreateCollectionInput): Promise<Collection> {
  const at = now();
  const row = await db
    .insertInto('collections')
    .values({
      name: validName(input.name),
      description: validDescription(input.description),
      visibility: input.visibility ?? 'TEAM',
      team_id: viewer.teamId,
      owner_id: viewer.userId,
      created_at: at,
      updated_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCollection(row);
}

export interface UpdateCollectionInput {
  name?: string | null;
  description?: string | null;
  visibility?: Visibility | null;
}

export async function updateCollection(
  db: Db,
  viewer: Viewer,
  id: number,
  globalId: string,
  input: UpdateCollectionInput,
): Promise<Collection> {
  await writableCollection(db, viewer, id, globalId);
  const row = await db
    .updateTable('collections')
    .set({
      ...(input.name != null ? { name: validName(input.name) } : {}),
      ...(input.description !== undefined ? { description: validDescription(input.description) } : {}),
      ...(input.visibility != null ? { visibility: input.visibility } : {}),
      updated_at: now(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCollection(row);
}

/** Adds the artifact to the collection; adding it twice is a no-op. */
export async function addArtifactToCollection(db: Db, collectionId: number, artifactId: number): Promise<void> {
  await db
    .insertInto('collection_artifacts')
    .values({ collection_id: collectionId, artifact_id: artifactId, created_at: now() })
    .onConflict((oc) => oc.columns(['collection_id', 'artifact_id']).doNothing())
    .execute();
}

/** Removes the artifact from the collection; removing one that is not there is a no-op. */
export async function removeArtifactFromCollection(db: Db, collectionId: number, artifactId: number): Promise<void> {
  await db
    .deleteFrom('collection_artifacts')
    .where('collection_id', '=', collectionId)
    .where('artifact_id', '=', artifactId)
    .execute();
}
