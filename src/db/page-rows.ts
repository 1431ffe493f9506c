/**
 * A read plan (read-plan.ts) answered from rows: each fetch of the plan (a root page, a lookup,
 * or the nested pages of every row on the page above it) is one call of the data function the
 * resolvers call for the same field, told which columns to read; owners come by a join in the
 * same statement. A writer made once per plan then writes the JSON of `data` from the rows, on
 * SQLite and on PostgreSQL alike.
 *
 * The writer checks every value against what its GraphQL type would serialize unchanged and
 * throws CannotAnswer where a value is not, so the resolvers answer instead. It writes strings
 * with JSON.stringify, as the response would be, and where the resolvers compute a value it
 * calls the same function: encodeGlobalId for ids, encodeCursor for cursors. A tag list is
 * passed through when JSON.stringify of its parsed value gives it back.
 * test/sql-execution.test.ts compares its answers with the resolvers', byte for byte.
 *
 * Kysely's JSON helpers (jsonArrayFrom, jsonObjectFrom) are not used: they build the JSON in SQL,
 * which PostgreSQL writes with other spacing and escapes than JSON.stringify, so the bytes would
 * differ from the resolvers' (docs/performance.md).
 */
import type { Viewer } from '../vocabulary/viewer.js';
import { encodeGlobalId } from '../ids.js';
import { artifactPageRows, countArtifacts } from './artifacts.js';
import { collectionPageRows, countCollections } from './collections.js';
import { rowsByIds } from './lookups.js';
import { type Db } from './database.js';
import { CANONICAL_TIMESTAMP } from '../datetime.js';
import { artifactRowsOfCollections, collectionRowsOfArtifacts, countArtifactsOfCollections, countCollectionsOfArtifacts, type ChildRow } from './membership.js';
import { encodeCursor } from '../ids.js';
import { cannotAnswer, OWNER_PREFIX, type ColumnValue, type FetchPlan, type ListPlan, type LookupPlan, type ResponsePlan, type RowPlan } from './read-plan.js';

type Row = Record<string, unknown>;

/** The parent key of a root fetch's rows (row ids start at 1). */
const ROOT = 0;

/** What one request fetched: per fetch (by index), each parent's rows (ROOT at the root), and counts when asked for. */
interface Fetched {
  readonly rows: Map<number, Row[]>[];
  readonly counts: (Map<number, number> | undefined)[];
}

const NO_ROWS: readonly Row[] = [];

/**
 * A stored tags text as GraphQL would write the [String!]! the resolvers make of it
 * (JSON.parse): only a JSON array of strings, written as JSON.stringify writes it, is passed
 * through. Texts already seen to pass are remembered (a bounded set), as tag lists repeat.
 */
const CANONICAL_LISTS_MAX = 4_096;
const canonicalLists = new Set<string>();

function stringList(value: unknown): string {
  if (typeof value !== 'string') return cannotAnswer('string list');
  if (canonicalLists.has(value)) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return cannotAnswer('string list');
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string') || JSON.stringify(parsed) !== value) return cannotAnswer('string list');
  if (canonicalLists.size >= CANONICAL_LISTS_MAX) canonicalLists.clear();
  canonicalLists.add(value);
  return value;
}

/** Tags texts already seen to parse (a bounded set, as canonicalLists), for pages that do not ask for the tags. */
const parsingLists = new Set<string>();

/** toArtifact parses every fetched row's tags, asked for or not: a row whose tags do not parse fails the list there. */
function assertTagsParse(value: unknown): void {
  if (typeof value !== 'string') cannotAnswer('tags');
  if (canonicalLists.has(value) || parsingLists.has(value)) return;
  try {
    JSON.parse(value);
  } catch {
    cannotAnswer('tags');
  }
  if (parsingLists.size >= CANONICAL_LISTS_MAX) parsingLists.clear();
  parsingLists.add(value);
}

const listsArtifacts = (fetch: FetchPlan) => fetch.source === 'artifacts' || fetch.source === 'artifactsOfCollection' || fetch.source === 'artifact';

/** The ids of the rows whose fields the resolvers would resolve: a page's rows (not the one past it), a lookup's row. */
function parentIds(fetch: FetchPlan, rows: Map<number, Row[]>): number[] {
  const ids = new Set<number>();
  const limit = fetch.kind === 'list' ? fetch.window.limit : Infinity;
  for (const list of rows.values()) for (let i = 0; i < list.length && i < limit; i++) ids.add(list[i]!.id as number);
  return [...ids];
}

/** The rows of nested pages by parent, each page in id order (as groupPages orders them for the resolvers). */
function byParent(rows: ChildRow[]): Map<number, Row[]> {
  const grouped = new Map<number, Row[]>();
  for (const row of rows) {
    let list = grouped.get(row.parent_id);
    if (!list) grouped.set(row.parent_id, (list = []));
    list.push(row);
  }
  for (const list of grouped.values()) list.sort((a, b) => (a.id as number) - (b.id as number));
  return grouped;
}

async function fetchList(db: Db, viewer: Viewer, fetch: ListPlan, fetched: Fetched, plan: ResponsePlan): Promise<void> {
  const { window, selection } = fetch;
  if (fetch.parent === null) {
    const filter = fetch.filter ?? {};
    const rows = fetch.source === 'artifacts' ? await artifactPageRows(db, viewer, window, filter, selection) : await collectionPageRows(db, viewer, window, selection);
    fetched.rows[fetch.index] = new Map([[ROOT, rows]]);
    if (fetch.counted) {
      const count = fetch.source === 'artifacts' ? await countArtifacts(db, viewer, filter) : await countCollections(db, viewer);
      fetched.counts[fetch.index] = new Map([[ROOT, count]]);
    }
    return;
  }
  const ids = parentIds(plan.fetches[fetch.parent]!, fetched.rows[fetch.parent]!);
  const children =
    fetch.source === 'artifactsOfCollection'
      ? await artifactRowsOfCollections(db, viewer, ids, window, selection)
      : await collectionRowsOfArtifacts(db, viewer, ids, window, selection);
  fetched.rows[fetch.index] = byParent(children);
  if (fetch.counted) {
    if (ids.length === 0) fetched.counts[fetch.index] = new Map();
    else fetched.counts[fetch.index] = fetch.source === 'artifactsOfCollection' ? await countArtifactsOfCollections(db, viewer, ids) : await countCollectionsOfArtifacts(db, viewer, ids);
  }
}

async function fetchLookup(db: Db, viewer: Viewer, fetch: LookupPlan, fetched: Fetched): Promise<void> {
  const rows = await rowsByIds(db, viewer, fetch.source === 'artifact' ? 'artifacts' : 'collections', [fetch.id], fetch.selection);
  fetched.rows[fetch.index] = new Map([[ROOT, rows]]);
}

/** Every fetch of the plan, parents before children (their index order), each row checked as the resolvers' row mapping would. */
async function fetchAll(db: Db, viewer: Viewer, plan: ResponsePlan): Promise<Fetched> {
  const fetched: Fetched = { rows: [], counts: [] };
  for (const fetch of plan.fetches) {
    if (fetch.kind === 'lookup') await fetchLookup(db, viewer, fetch, fetched);
    else await fetchList(db, viewer, fetch, fetched, plan);
    if (listsArtifacts(fetch)) for (const rows of fetched.rows[fetch.index]!.values()) for (const row of rows) assertTagsParse(row.tags);
  }
  return fetched;
}

/**
 * Appends the JSON of one row's piece of the answer to `out`, piece by piece: the response's
 * pieces are joined once, at the end, into one flat string. Adding strings up with `+` instead
 * makes a tree of pieces, which the garbage collector then copies around until the response is
 * written (docs/performance.md).
 */
type Writer = (row: Row, fetched: Fetched, out: string[]) => void;

/** Gives the JSON text of one value of a row. */
type ValueText = (row: Row) => string;

/**
 * How one field is written: `quoted` writers give text that JSON holds between quotes as it is
 * (nothing in it to escape), and the object around them writes those quotes as part of its
 * constant text, so a quoted value costs no string of its own.
 */
type FieldWriter = { value: ValueText; quoted: boolean } | { write: Writer; quoted: false };

const plain = (value: ValueText): FieldWriter => ({ value, quoted: false });
const quoted = (value: ValueText): FieldWriter => ({ value, quoted: true });
/** A field whose value has pieces of its own (an object, a page). */
const nested = (write: Writer): FieldWriter => ({ write, quoted: false });

function valueWriter(value: ColumnValue, prefix: string): FieldWriter {
  switch (value.kind) {
    case 'text': {
      const columns = value.columns.map((c) => prefix + c);
      const nullable = value.nullable;
      return plain((row) => {
        let text: unknown = null;
        for (const column of columns) {
          text = row[column];
          if (text !== null) break;
        }
        if (typeof text === 'string') return JSON.stringify(text);
        return text === null && nullable ? 'null' : cannotAnswer('text');
      });
    }
    case 'enum': {
      const column = prefix + value.column;
      // Enum values are GraphQL names: nothing in them to escape.
      const values = new Set<unknown>(value.values);
      return quoted((row) => {
        const name = row[column];
        return values.has(name) ? (name as string) : cannotAnswer('enum');
      });
    }
    case 'datetime': {
      const column = prefix + value.column;
      return quoted((row) => {
        const text = row[column];
        // The canonical form holds nothing to escape either.
        return typeof text === 'string' && CANONICAL_TIMESTAMP.test(text) ? text : cannotAnswer('datetime');
      });
    }
    case 'stringList': {
      const column = prefix + value.column;
      return plain((row) => stringList(row[column]));
    }
    case 'globalId': {
      const column = `${prefix}id`;
      const typename = value.typename;
      // Base64 holds nothing to escape.
      return quoted((row) => encodeGlobalId(typename, row[column] as number));
    }
    case 'constant': {
      const json = JSON.stringify(value.value);
      return plain(() => json);
    }
  }
}

/**
 * Writes `{"key":value,...}` with the writers of its entries. The constant text between two
 * values (a comma, the next key, the quotes of quoted values) is made once, here.
 */
function objectWriter(entries: readonly [string, FieldWriter][]): Writer {
  const n = entries.length;
  const before = entries.map(([key, field], i) => {
    const closing = i > 0 && entries[i - 1]![1].quoted ? '"' : '';
    return `${i === 0 ? '{' : `${closing},`}${JSON.stringify(key)}:${field.quoted ? '"' : ''}`;
  });
  const end = `${n > 0 && entries[n - 1]![1].quoted ? '"' : ''}}`;
  const values = entries.map(([, field]) => ('value' in field ? field.value : null));
  const writers = entries.map(([, field]) => ('write' in field ? field.write : null));
  return (row, fetched, out) => {
    for (let i = 0; i < n; i++) {
      const value = values[i];
      if (value) out.push(before[i]!, value(row));
      else {
        out.push(before[i]!);
        writers[i]!(row, fetched, out);
      }
    }
    out.push(end);
  };
}

/** Writes one row's object; `prefix` is where its columns sit in the row (OWNER_PREFIX for an owner's). */
function rowWriter(plan: RowPlan, prefix: string): Writer {
  return objectWriter(
    plan.fields.map((field): [string, FieldWriter] => {
      switch (field.kind) {
        case 'value':
          return [field.key, valueWriter(field.value, prefix)];
        case 'owner': {
          const user = rowWriter(field.user, OWNER_PREFIX);
          const ownerId = `${OWNER_PREFIX}id`;
          // Null without an owner or when the owner's row is gone, as usersByIds answers.
          return [field.key, nested((row, fetched, out) => (row[ownerId] == null ? void out.push('null') : user(row, fetched, out)))];
        }
        case 'connection': {
          const page = pageWriter(field.connection);
          const id = `${prefix}id`;
          return [field.key, nested((row, fetched, out) => page(row[id] as number, fetched, out))];
        }
      }
    }),
  );
}

/** Writes one field of a connection from the page's rows, whether more follow, and the list's count. */
type PageFieldWriter = (page: readonly Row[], more: boolean, count: number, fetched: Fetched, out: string[]) => void;

function fieldsWriter(fields: readonly [string, PageFieldWriter][]): PageFieldWriter {
  const keys = fields.map(([key], i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);
  return (page, more, count, fetched, out) => {
    for (let i = 0; i < fields.length; i++) {
      out.push(keys[i]!);
      fields[i]![1](page, more, count, fetched, out);
    }
    out.push('}');
  };
}

function constantWriter(value: string): PageFieldWriter {
  const json = JSON.stringify(value);
  return (_page, _more, _count, _fetched, out) => void out.push(json);
}

/** Writes the connection of one parent's page (ROOT for a root list) from what was fetched. */
type PageWriter = (parent: number, fetched: Fetched, out: string[]) => void;

function pageWriter(list: ListPlan): PageWriter {
  const { index } = list;
  const { limit, afterId } = list.window;
  // A cursor is base64url: nothing to escape.
  const cursorOf = (row: Row | undefined) => (row === undefined ? 'null' : `"${encodeCursor(row.id as number)}"`);
  const edgeCursor = quoted((row) => encodeCursor(row.id as number));
  const fields = list.fields.map((field): [string, PageFieldWriter] => {
    switch (field.kind) {
      case 'constant':
        return [field.key, constantWriter(field.value)];
      case 'totalCount':
        return [field.key, (_page, _more, count, _fetched, out) => void out.push(String(count))];
      case 'edges': {
        const edge = objectWriter(
          field.edge.map((e): [string, FieldWriter] => {
            if (e.kind === 'node') return [e.key, nested(rowWriter(e.node, ''))];
            if (e.kind === 'cursor') return [e.key, edgeCursor];
            const json = JSON.stringify(e.value);
            return [e.key, plain(() => json)];
          }),
        );
        return [
          field.key,
          (page, _more, _count, fetched, out) => {
            out.push('[');
            for (let i = 0; i < page.length; i++) {
              if (i > 0) out.push(',');
              edge(page[i]!, fetched, out);
            }
            out.push(']');
          },
        ];
      }
      case 'pageInfo': {
        const info = field.pageInfo.map((p): [string, PageFieldWriter] => {
          switch (p.kind) {
            case 'constant':
              return [p.key, constantWriter(p.value)];
            case 'hasNextPage':
              return [p.key, (_page, more, _count, _fetched, out) => void out.push(String(more))];
            case 'hasPreviousPage':
              return [p.key, (_page, _more, _count, _fetched, out) => void out.push(String(afterId !== null))];
            case 'startCursor':
              return [p.key, (page, _more, _count, _fetched, out) => void out.push(cursorOf(page[0]))];
            case 'endCursor':
              return [p.key, (page, _more, _count, _fetched, out) => void out.push(cursorOf(page[page.length - 1]))];
          }
        });
        return [field.key, fieldsWriter(info)];
      }
    }
  });
  const write = fieldsWriter(fields);
  return (parent, fetched, out) => {
    const rows = fetched.rows[index]!.get(parent) ?? NO_ROWS;
    const more = rows.length > limit;
    const count = fetched.counts[index]?.get(parent) ?? 0;
    write(more ? rows.slice(0, limit) : rows, more, count, fetched, out);
  };
}

/** Writes `data` of a plan. */
type PlanWriter = (fetched: Fetched, out: string[]) => void;

function planWriter(plan: ResponsePlan): PlanWriter {
  const parts = plan.fields.map((field, i): [string, PlanWriter] => {
    const key = `${i === 0 ? '{' : ','}${JSON.stringify(field.key)}:`;
    switch (field.kind) {
      case 'constant': {
        const json = JSON.stringify(field.value);
        return [key, (_fetched, out) => void out.push(json)];
      }
      case 'list': {
        const page = pageWriter(field.list);
        return [key, (fetched, out) => page(ROOT, fetched, out)];
      }
      case 'lookup': {
        const { index, id } = field.lookup;
        const node = rowWriter(field.lookup.node, '');
        return [
          key,
          (fetched, out) => {
            const row = fetched.rows[index]!.get(ROOT)?.find((r) => r.id === id);
            if (row === undefined) out.push('null');
            else node(row, fetched, out);
          },
        ];
      }
    }
  });
  return (fetched, out) => {
    for (const [key, write] of parts) {
      out.push(key);
      write(fetched, out);
    }
    out.push(parts.length === 0 ? '{}' : '}');
  };
}

/** Per plan, its writer, made on first use. */
const writers = new WeakMap<ResponsePlan, PlanWriter>();

/**
 * Fetches the rows of `plan` and returns the JSON text of the response's data; it throws
 * CannotAnswer when a stored value is not one GraphQL would pass through unchanged.
 */
export async function answerFromRows(db: Db, viewer: Viewer, plan: ResponsePlan): Promise<string> {
  let write = writers.get(plan);
  if (write === undefined) writers.set(plan, (write = planWriter(plan)));
  const fetched = await fetchAll(db, viewer, plan);
  const out: string[] = [];
  write(fetched, out);
  return out.join('');
}
