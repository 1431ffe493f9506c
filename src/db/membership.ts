/**
 * The nested connections Collection.artifacts and Artifact.collections, loaded for many parents
 * in one statement each, with tenancy applied to the children as to any other read.
 */
import { PostgresAdapter, sql, type Compilable, type SqlBool } from 'kysely';
import type { Viewer } from '../vocabulary/viewer.js';
import type { ArtifactRow, CollectionRow, Db } from './database.js';
import { toArtifact, toCollection, type Artifact, type Collection } from './model.js';
import { inPageWindow, toPage, windowSlots, windowValues, type Page, type PageWindow } from './pagination.js';
import { numberedValues, QueryTemplate, type SlotOf } from './query-template.js';
import { selectionKey, type RowSelection } from './read-plan.js';
import { LISTED, selectingRow, type Listed } from './row-selection.js';
import { readAccess, visibleRowsOf, type ReadAccess } from './tenancy.js';

/**
 * Children pages for many parents in one statement: each parent's row joined with the children
 * whose ids its own subquery gives, a walk of the (parent, child) index in child id order that
 * stops at the page size plus one. Work grows with the page size, not with how big a collection
 * is (a window function over all members would rank every one of them first), and SQLite runs
 * it as one loop over the parents, which a UNION ALL of one subquery per parent is not
 * (docs/performance.md).
 */
const MAX_PARENTS_PER_STATEMENT = 100;

function groupPages<T extends { id: number }>(
  parentIds: readonly number[],
  rows: { parent_id: number; child: T }[],
  window: PageWindow,
): Map<number, Page<T>> {
  const byParent = new Map<number, T[]>(parentIds.map((id) => [id, []]));
  for (const { parent_id, child } of rows) byParent.get(parent_id)?.push(child);
  // The statement does not order the children (nothing in SQL would keep that order through the
  // join): each page is put in id order here.
  for (const children of byParent.values()) children.sort((a, b) => a.id - b.id);
  return new Map([...byParent].map(([id, children]) => [id, toPage(children, window)]));
}

/** Distinct parents in statements of at most MAX_PARENTS_PER_STATEMENT parent ids each. */
async function perParentStatements<R>(parentIds: readonly number[], run: (ids: number[]) => Promise<R[]>): Promise<R[]> {
  const distinct = [...new Set(parentIds)];
  const rows: R[] = [];
  for (let i = 0; i < distinct.length; i += MAX_PARENTS_PER_STATEMENT) {
    rows.push(...(await run(distinct.slice(i, i + MAX_PARENTS_PER_STATEMENT))));
  }
  return rows;
}

/**
 * One side of membership: the parents' table, the children's, and the collection_artifacts
 * columns that name each. Both nested connections are one query of this, run one way or the other.
 */
interface Side {
  readonly parents: Listed;
  readonly children: Listed;
  readonly parentKey: 'collection_id' | 'artifact_id';
  readonly childKey: 'collection_id' | 'artifact_id';
}

const ARTIFACTS_OF_COLLECTIONS: Side = { parents: 'collections', children: 'artifacts', parentKey: 'collection_id', childKey: 'artifact_id' };
const COLLECTIONS_OF_ARTIFACTS: Side = { parents: 'artifacts', children: 'collections', parentKey: 'artifact_id', childKey: 'collection_id' };

/** What the SQL of a statement of nested pages depends on; the rest are slot values. */
interface PagesShape {
  side: Side;
  parents: number;
  access: ReadAccess;
  after: boolean;
  selection: RowSelection;
}

const pagesKey = (shape: PagesShape) => `${shape.side.children}:${shape.parents}:${shape.access}:${shape.after}:${selectionKey(shape.selection)}`;

const parentSlots = (parents: number, slot: SlotOf) => Array.from({ length: parents }, (_, i) => slot<number>(`p${i}`));

/** `a = b` of two column references (names that vary with the side, which Kysely's types cannot follow). */
const sameId = (a: string, b: string) => sql<SqlBool>`${sql.ref(a)} = ${sql.ref(b)}`;

/** The children visible to the viewer as collection_artifacts rows `ca` joined with the child row `s`. */
function visibleChildren(db: Db, side: Side, access: ReadAccess, slot: SlotOf) {
  const visible = visibleRowsOf(access, 's', slot('team'));
  return db
    .selectFrom('collection_artifacts as ca')
    .innerJoin(`${side.children} as s`, (join) => join.on(sameId('s.id', `ca.${side.childKey}`)))
    .$if(visible !== null, (qb) => qb.where(visible!));
}

/**
 * On PostgreSQL the same walk is a LATERAL join: there `a.id IN (the correlated subquery)` is a
 * subplan run for every (parent, child) pair, work that grows with every member of every parent
 * (docs/performance.md); SQLite has no LATERAL and runs the IN list once per parent.
 */
const lateral = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

/** The children on each parent's page: each parent p joined with the children c its page's subquery names. */
const childPages = new QueryTemplate(pagesKey, (db, shape: PagesShape, slot): Compilable<Record<string, unknown>> => {
  const { side } = shape;
  const page = inPageWindow(
    visibleChildren(db, side, shape.access, slot)
      .select(sql.ref<number>(`ca.${side.childKey}`).as('child_id'))
      .where(sameId(`ca.${side.parentKey}`, 'p.id')),
    `ca.${side.childKey}`,
    shape.after,
    windowSlots(slot),
  );
  const parents = db.selectFrom(db.dynamic.table(side.parents).as('p')).where('p.id', 'in', parentSlots(shape.parents, slot));
  const children = lateral(db)
    ? parents.innerJoinLateral(page.as('page'), (join) => join.onTrue()).innerJoin(`${side.children} as c`, (join) => join.on(sameId('c.id', 'page.child_id')))
    : parents.innerJoin(`${side.children} as c`, (join) => join.on((eb) => eb('c.id', 'in', page)));
  return selectingRow(children.select('p.id as parent_id'), 'c', side.children, shape.selection);
});

/** A child row of a nested page, with the id of the parent whose page it is on. */
export type ChildRow = Record<string, unknown> & { parent_id: number };

/** The rows of each parent's page of children (limit + 1 per parent, any order), with the columns `selection` names. */
async function childRows(db: Db, viewer: Viewer, side: Side, parentIds: readonly number[], window: PageWindow, selection: RowSelection): Promise<ChildRow[]> {
  const access = readAccess(viewer, LISTED[side.children].readScope);
  return (await perParentStatements(parentIds, (ids) =>
    childPages.execute(
      db,
      { side, parents: ids.length, access, after: window.afterId !== null, selection },
      { ...numberedValues('p', ids), team: viewer.teamId, ...windowValues(window) },
    ),
  )) as ChildRow[];
}

/** Each parent's page of children as records. */
async function childPagesOf<T extends { id: number }>(
  db: Db,
  viewer: Viewer,
  side: Side,
  parentIds: readonly number[],
  window: PageWindow,
  toRecord: (row: ChildRow) => T,
): Promise<Map<number, Page<T>>> {
  const rows = await childRows(db, viewer, side, parentIds, window, 'all');
  return groupPages(parentIds, rows.map((row) => ({ parent_id: row.parent_id, child: toRecord(row) })), window);
}

/** How many children of each parent the viewer can see: the pages' own tenancy, grouped by parent. */
const childCounts = new QueryTemplate(
  (shape: { side: Side; parents: number; access: ReadAccess }) => `${shape.side.children}:${shape.parents}:${shape.access}`,
  (db, shape, slot) => {
    const parentKey = sql.ref<number>(`ca.${shape.side.parentKey}`);
    return visibleChildren(db, shape.side, shape.access, slot)
      .where(parentKey, 'in', parentSlots(shape.parents, slot))
      .select([parentKey.as('parent_id'), (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy(parentKey);
  },
);

async function countChildren(db: Db, viewer: Viewer, side: Side, parentIds: readonly number[]): Promise<Map<number, number>> {
  const access = readAccess(viewer, LISTED[side.children].readScope);
  const rows = await perParentStatements(parentIds, (ids) =>
    childCounts.execute(db, { side, parents: ids.length, access }, { ...numberedValues('p', ids), team: viewer.teamId }),
  );
  return new Map(rows.map((r) => [Number(r.parent_id), Number(r.count)]));
}

/** The rows of each collection's page of artifacts (limit + 1 per collection, any order), with the columns `selection` names. */
export function artifactRowsOfCollections(db: Db, viewer: Viewer, collectionIds: readonly number[], window: PageWindow, selection: RowSelection): Promise<ChildRow[]> {
  return childRows(db, viewer, ARTIFACTS_OF_COLLECTIONS, collectionIds, window, selection);
}

/** The rows of each artifact's page of collections (limit + 1 per artifact, any order), with the columns `selection` names. */
export function collectionRowsOfArtifacts(db: Db, viewer: Viewer, artifactIds: readonly number[], window: PageWindow, selection: RowSelection): Promise<ChildRow[]> {
  return childRows(db, viewer, COLLECTIONS_OF_ARTIFACTS, artifactIds, window, selection);
}

export function artifactsOfCollections(db: Db, viewer: Viewer, collectionIds: readonly number[], window: PageWindow): Promise<Map<number, Page<Artifact>>> {
  return childPagesOf(db, viewer, ARTIFACTS_OF_COLLECTIONS, collectionIds, window, (row) => toArtifact(row as unknown as ArtifactRow));
}

export function collectionsOfArtifacts(db: Db, viewer: Viewer, artifactIds: readonly number[], window: PageWindow): Promise<Map<number, Page<Collection>>> {
  return childPagesOf(db, viewer, COLLECTIONS_OF_ARTIFACTS, artifactIds, window, (row) => toCollection(row as unknown as CollectionRow));
}

/** How many artifacts of each collection the viewer can see. */
export function countArtifactsOfCollections(db: Db, viewer: Viewer, collectionIds: readonly number[]): Promise<Map<number, number>> {
  return countChildren(db, viewer, ARTIFACTS_OF_COLLECTIONS, collectionIds);
}

/** How many collections of each artifact the viewer can see. */
export function countCollectionsOfArtifacts(db: Db, viewer: Viewer, artifactIds: readonly number[]): Promise<Map<number, number>> {
  return countChildren(db, viewer, COLLECTIONS_OF_ARTIFACTS, artifactIds);
}
