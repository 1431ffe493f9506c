/**
 * A plan of one page (W2's shape: a page of artifacts, each with its owner), or of one page with
 * one page inside its rows (W3's: collections, each with a page of its artifacts and their
 * owners), answered from rows: one statement reads only the needed columns (owners by LEFT JOIN;
 * with a page inside, one result row per child) as arrays, and a writer made once per plan
 * writes the JSON of `data` from them. For such plans that costs less than building the JSON
 * inside SQLite (json-response.ts), whose json_object calls, per-value checks in SQL and json()
 * re-reading of inner pages cost more than reading the columns does (docs/performance.md).
 * Deeper plans, and pages side by side, keep the one JSON statement: rows per combination would
 * multiply.
 *
 * The writer checks every value against what its GraphQL type would serialize unchanged, as the
 * statement does, and throws where a value is not, so the resolvers answer instead. It writes
 * strings with JSON.stringify, as the response would be, and where the resolvers compute a value
 * it calls the same function: encodeGlobalId for ids, encodeCursor for cursors. A tag list is
 * passed through when JSON.stringify of its parsed value gives it back, so it may also pass the
 * \u escapes JSON.stringify writes, which the statement leaves to the resolvers.
 * test/sql-execution.test.ts compares its answers with theirs, byte for byte. */
import { sql, type RawBuilder } from 'kysely';
import { encodeGlobalId } from '../schema/global-id.js';
import { CANONICAL_TIMESTAMP, type Db } from './database.js';
import { pageRowsSql, statementOf, type ConnectionPlan, type ResponsePlan, type RowPlan, type ValueSql } from './json-response.js';
import { encodeCursor } from './pagination.js';
import { QueryTemplate } from './query-template.js';
import { ROWS_AS_ARRAYS } from './sqlite.js';

/** One row of the statement: its values in the order of columnList (read as arrays, ROWS_AS_ARRAYS). */
type Row = readonly unknown[];

/** Where each column the writers read sits in a row. */
type PositionOf = (column: string) => number;

/** A stored value that GraphQL would not pass through unchanged: the resolvers answer instead. */
class UnanswerableRow extends Error {}

function unanswerable(reason: string): never {
  throw new UnanswerableRow(`not answerable from rows: ${reason}`);
}


/**
 * Where each level's columns sit in a result row: the rows of the top page (level 0) and of the
 * page inside them (level 1) under r<level>__, the users rows of their owners under u<level>__.
 * The part before `__` is the table's alias in the statement, the rest the column's name.
 */
const rowPrefix = (level: Level) => `r${level}__`;
const ownerPrefix = (level: Level) => `u${level}__`;
type Level = 0 | 1;

/** The shape answered here: one page at the top, and at most one page inside its rows. */
interface Chain {
  top: ConnectionPlan;
  inner: ConnectionPlan | null;
}

/** The connections inside the rows of a page (not inside an owner: those are left to the JSON statement). */
function connectionsIn(connection: ConnectionPlan): ConnectionPlan[] {
  const found: ConnectionPlan[] = [];
  for (const field of connection.fields) {
    if (field.kind !== 'edges') continue;
    for (const e of field.edge) if (e.kind === 'node') for (const f of e.node.fields) if (f.kind === 'connection') found.push(f.connection);
  }
  return found;
}

/**
 * The chain of `plan` when it is answered here: one root field is a page (the others are
 * constants: __typename), and either nothing else is paged (W2's shape) or one page sits inside
 * its rows with none inside that (W3's shape). A page inside a page inside a page, or two pages
 * side by side, is the JSON statement's: a result row per combination would multiply.
 */
function chainOf(plan: ResponsePlan): Chain | null {
  const tops = plan.fields.flatMap((f) => (f.kind === 'connection' ? [f.connection] : []));
  if (tops.length !== 1) return null;
  const top = tops[0]!;
  if (plan.connections.length === 1) return { top, inner: null };
  const inner = connectionsIn(top);
  return plan.connections.length === 2 && inner.length === 1 ? { top, inner: inner[0]! } : null;
}

/**
 * A stored tags text as GraphQL would write the [String!]! the resolvers make of it
 * (JSON.parse): only a JSON array of strings, written as JSON.stringify writes it, is passed
 * through. Texts already seen to pass are remembered (a bounded set), as tag lists repeat.
 */
const CANONICAL_LISTS_MAX = 4_096;
const canonicalLists = new Set<string>();

function stringList(value: unknown): string {
  if (typeof value !== 'string') return unanswerable('string list');
  if (canonicalLists.has(value)) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return unanswerable('string list');
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string') || JSON.stringify(parsed) !== value) return unanswerable('string list');
  if (canonicalLists.size >= CANONICAL_LISTS_MAX) canonicalLists.clear();
  canonicalLists.add(value);
  return value;
}

/** Tags texts already seen to parse (a bounded set, as canonicalLists), for pages that do not ask for the tags. */
const parsingLists = new Set<string>();

/** toArtifact parses every row's tags, asked for or not: a row whose tags do not parse fails there. */
function assertTagsParse(value: unknown): void {
  if (typeof value !== 'string') unanswerable('tags');
  if (canonicalLists.has(value) || parsingLists.has(value)) return;
  try {
    JSON.parse(value);
  } catch {
    unanswerable('tags');
  }
  if (parsingLists.size >= CANONICAL_LISTS_MAX) parsingLists.clear();
  parsingLists.add(value);
}

/**
 * Appends the JSON of one row's piece of the answer to `out`, piece by piece: the response's
 * pieces are joined once, at the end, into one flat string. Adding strings up with `+` instead
 * makes a tree of pieces, which the garbage collector then copies around until the response is
 * written (for a whole page that cost more than the statement; one string per object still
 * cost more than pushing its pieces, docs/performance.md). `children` are the rows of the page
 * inside this row (level 1 of the chain), empty elsewhere.
 */
type Writer = (row: Row, children: readonly Row[], out: string[]) => void;

/** Gives the JSON text of one value of a row (a new string, or one the row or the writer holds). */
type ValueText = (row: Row) => string;

const NO_ROWS: readonly Row[] = [];

/** The columns a value reads. */
function columnsOf(value: ValueSql): readonly string[] {
  switch (value.kind) {
    case 'text':
      return value.columns;
    case 'enum':
    case 'datetime':
    case 'stringList':
      return [value.column];
    case 'globalId':
      return ['id'];
    case 'constant':
      return [];
  }
}

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

function valueWriter(value: ValueSql, prefix: string, at: PositionOf): FieldWriter {
  switch (value.kind) {
    case 'text': {
      const columns = value.columns.map((c) => at(prefix + c));
      const nullable = value.nullable;
      return plain((row) => {
        let text: unknown = null;
        for (const column of columns) {
          text = row[column];
          if (text !== null) break;
        }
        if (typeof text === 'string') return JSON.stringify(text);
        return text === null && nullable ? 'null' : unanswerable('text');
      });
    }
    case 'enum': {
      const column = at(prefix + value.column);
      // Enum values are GraphQL names: nothing in them to escape.
      const values = new Set<unknown>(value.values);
      return quoted((row) => {
        const name = row[column];
        return values.has(name) ? (name as string) : unanswerable('enum');
      });
    }
    case 'datetime': {
      const column = at(prefix + value.column);
      return quoted((row) => {
        const text = row[column];
        // The canonical form holds nothing to escape either.
        return typeof text === 'string' && CANONICAL_TIMESTAMP.test(text) ? text : unanswerable('datetime');
      });
    }
    case 'stringList': {
      const column = at(prefix + value.column);
      return plain((row) => stringList(row[column]));
    }
    case 'globalId': {
      const column = at(`${prefix}id`);
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
  return (row, children, out) => {
    for (let i = 0; i < n; i++) {
      const value = values[i];
      if (value) out.push(before[i]!, value(row));
      else {
        out.push(before[i]!);
        writers[i]!(row, children, out);
      }
    }
    out.push(end);
  };
}

/** Makes the writer of the page inside a row (the chain's level 1). */
type InnerPageOf = (connection: ConnectionPlan) => PageWriter;

function rowWriter(plan: RowPlan, level: Level, at: PositionOf, innerPageOf: InnerPageOf | null): Writer {
  const fields = (of: RowPlan, prefix: string): Writer =>
    objectWriter(
      of.fields.map((field): [string, FieldWriter] => {
        switch (field.kind) {
          case 'value':
            return [field.key, valueWriter(field.value, prefix, at)];
          case 'owner': {
            const user = fields(field.user, ownerPrefix(level));
            const ownerId = at(`${ownerPrefix(level)}id`);
            // Null without an owner or when the owner's row is gone, as usersByIds answers.
            return [field.key, nested((row, _children, out) => (row[ownerId] === null ? void out.push('null') : user(row, NO_ROWS, out)))];
          }
          case 'connection': {
            // chainOf: only the top page's rows hold a page, and only one.
            if (innerPageOf === null || of !== plan) throw new Error('a page this deep is answered by the JSON statement, not from rows');
            const page = innerPageOf(field.connection);
            return [field.key, nested((_row, children, out) => page.write(children, null, out))];
          }
        }
      }),
    );
  return fields(plan, rowPrefix(level));
}

/**
 * The columns the chain's writers read, in the order the statement selects them: each level's
 * listed rows, then their owners' (see rowPrefix). The same plan shape (the statement's key)
 * always gives the same list.
 */
function columnList(chain: Chain): string[] {
  const list: string[] = [];
  const levels: [Level, ConnectionPlan | null][] = [
    [0, chain.top],
    [1, chain.inner],
  ];
  for (const [level, connection] of levels) {
    if (connection === null) continue;
    const own = new Set<string>([`${rowPrefix(level)}id`]);
    const owner = new Set<string>();
    const visit = (plan: RowPlan, into: Set<string>, prefix: string) => {
      for (const field of plan.fields) {
        if (field.kind === 'value') for (const column of columnsOf(field.value)) into.add(prefix + column);
        else if (field.kind === 'owner') {
          owner.add(`${ownerPrefix(level)}id`);
          visit(field.user, owner, ownerPrefix(level));
        }
      }
    };
    for (const field of connection.fields) if (field.kind === 'edges') for (const e of field.edge) if (e.kind === 'node') visit(e.node, own, rowPrefix(level));
    // toArtifact parses each artifact's tags whatever is asked (assertTagsParse).
    if (listsArtifacts(connection)) own.add(`${rowPrefix(level)}tags`);
    list.push(...own, ...owner);
  }
  return list;
}

const listsArtifacts = (connection: ConnectionPlan) => connection.source === 'artifacts' || connection.source === 'artifactsOfCollection';

interface PageWriter {
  /** The page size (rows past it only tell that there is a next page). */
  limit: number;
  /** Checks a fetched row as the resolvers' row mapping does (toArtifact parses tags), or null when there is nothing to check. */
  checkRow: ((row: Row) => void) | null;
  /**
   * Appends the page's JSON to `out`, from the rows fetched (one more than the page with
   * pageInfo) and, at the top of a chain with a page inside, each row's children.
   */
  write(rows: readonly Row[], children: readonly (readonly Row[])[] | null, out: string[]): void;
}

/** Writes one field of a connection from the page's rows, their children and whether more follow. */
type PageFieldWriter = (page: readonly Row[], children: readonly (readonly Row[])[] | null, more: boolean, out: string[]) => void;

function fieldsWriter(fields: readonly [string, PageFieldWriter][]): PageFieldWriter {
  const keys = fields.map(([key], i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);
  return (page, children, more, out) => {
    for (let i = 0; i < fields.length; i++) {
      out.push(keys[i]!);
      fields[i]![1](page, children, more, out);
    }
    out.push('}');
  };
}

function constantWriter(value: string): PageFieldWriter {
  const json = JSON.stringify(value);
  return (_page, _children, _more, out) => {
    out.push(json);
  };
}

function pageWriter(connection: ConnectionPlan, level: Level, at: PositionOf, innerPageOf: InnerPageOf | null): PageWriter {
  const { limit, afterId } = connection.window;
  const id = at(`${rowPrefix(level)}id`);
  // A cursor is base64url: nothing to escape.
  const cursorOf = (row: Row | undefined) => (row === undefined ? 'null' : `"${encodeCursor(row[id] as number)}"`);
  const edgeCursor = quoted((row) => encodeCursor(row[id] as number));
  const fields = connection.fields.map((field): [string, PageFieldWriter] => {
    switch (field.kind) {
      case 'constant':
        return [field.key, constantWriter(field.value)];
      case 'edges': {
        const edge = objectWriter(
          field.edge.map((e): [string, FieldWriter] => {
            if (e.kind === 'node') return [e.key, nested(rowWriter(e.node, level, at, innerPageOf))];
            if (e.kind === 'cursor') return [e.key, edgeCursor];
            const json = JSON.stringify(e.value);
            return [e.key, plain(() => json)];
          }),
        );
        return [
          field.key,
          (page, children, _more, out) => {
            out.push('[');
            for (let i = 0; i < page.length; i++) {
              if (i > 0) out.push(',');
              edge(page[i]!, children === null ? NO_ROWS : children[i]!, out);
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
              return [p.key, (_page, _children, more, out) => void out.push(String(more))];
            case 'hasPreviousPage':
              return [p.key, (_page, _children, _more, out) => void out.push(String(afterId !== null))];
            case 'startCursor':
              return [p.key, (page, _children, _more, out) => void out.push(cursorOf(page[0]))];
            case 'endCursor':
              return [p.key, (page, _children, _more, out) => void out.push(cursorOf(page[page.length - 1]))];
          }
        });
        return [field.key, fieldsWriter(info)];
      }
    }
  });
  const write = fieldsWriter(fields);
  const tags = listsArtifacts(connection) ? at(`${rowPrefix(level)}tags`) : null;
  return {
    limit,
    checkRow: tags === null ? null : (row) => assertTagsParse(row[tags]),
    write(rows, children, out) {
      const more = rows.length > limit;
      write(more ? rows.slice(0, limit) : rows, children, more, out);
    },
  };
}

/**
 * The statement: the top page's rows (pageRowsSql) with the columns read, owners joined when
 * asked for, read as arrays (ROWS_AS_ARRAYS: no row objects to make and drop). With a page
 * inside, each top row is joined with the rows of its page, found by id among the ids that
 * page's own query gives for it (the JSON statement's query, correlated with r0): one result row
 * per child (or one with NULLs when it has none), in order of the top row's id, then the child's.
 */
const rowsStatement = new QueryTemplate(
  // Its own compiled shapes (one QueryTemplate), so the JSON statement's key serves as is.
  (plan: ResponsePlan) => statementOf(plan).key,
  (db, plan: ResponsePlan, slot) => {
    const chain = chainOf(plan)!;
    const list = columnList(chain);
    const fetched = (connection: ConnectionPlan) => slot<number>(`${connection.fields.some((f) => f.kind === 'pageInfo') ? 'fetch' : 'limit'}${connection.index}`);
    const ownerJoin = (level: Level, row: string) =>
      list.includes(`${ownerPrefix(level)}id`) ? sql` left join users as ${sql.id(`u${level}`)} on ${sql.ref(`u${level}.id`)} = ${sql.ref(`${row}.owner_id`)}` : sql``;
    // A column's table alias is the part of its name before `__`, but for the top page's rows
    // when they are read in its own query (s0, below).
    const columns = (top: string) => sql.join(list.map((c) => sql`${sql.ref(`${c.startsWith('r0__') ? top : c.slice(0, 2)}.${c.slice(4)}`)} as ${sql.id(c)}`));
    let statement: RawBuilder<Row>;
    if (chain.inner === null) {
      // One page: its own query reads the columns, owners joined (one users row at most per
      // artifact, so the LIMIT still counts artifacts): no subquery to copy the rows through.
      const page = pageRowsSql(chain.top, slot, fetched(chain.top), 0, { columns: columns('s0'), join: ownerJoin(0, 's0') });
      statement = sql<Row>`${sql.raw(ROWS_AS_ARRAYS)}${page}`;
    } else {
      const table = listsArtifacts(chain.inner) ? 'artifacts' : 'collections';
      const top = pageRowsSql(chain.top, slot, fetched(chain.top), 0, 'all');
      const ids = pageRowsSql(chain.inner, slot, fetched(chain.inner), 1, 'ids');
      // Not ordered by r1.id too: SQLite walks an IN list in order already, and sorting what is
      // sorted cost a tenth of the statement; answerFromRows checks the order, and sorts if not.
      const inner = sql` left join ${sql.table(table)} as r1 on ${sql.ref('r1.id')} in (${ids})`;
      statement = sql<Row>`${sql.raw(ROWS_AS_ARRAYS)}select ${columns('r0')} from (${top}) as r0${inner}${ownerJoin(0, 'r0')}${ownerJoin(1, 'r1')} order by ${sql.ref('r0.id')}`;
    }
    return { compile: () => statement.compile(db) };
  },
);

/** What answers a plan of a chain, made once per plan. */
interface PlanWriter {
  top: PageWriter;
  /** Where the top row's id and (with a page inside) the child's sit in a result row. */
  topId: number;
  inner: { page: PageWriter; id: number } | null;
  /** The JSON text of `data` before and after the page's (its one connection field). */
  before: string;
  after: string;
}

/** Per plan: its writer, or null when it is not a chain (the JSON statement answers it). */
const writers = new WeakMap<ResponsePlan, PlanWriter | null>();

function writerOf(plan: ResponsePlan): PlanWriter | null {
  let writer = writers.get(plan);
  if (writer === undefined) {
    const chain = chainOf(plan);
    writer = chain === null ? null : makeWriter(plan, chain);
    writers.set(plan, writer);
  }
  return writer;
}

function makeWriter(plan: ResponsePlan, chain: Chain): PlanWriter {
  const positions = new Map(columnList(chain).map((column, i) => [column, i]));
  const at: PositionOf = (column) => {
    const position = positions.get(column);
    if (position === undefined) throw new Error(`the rows statement does not select ${column}`);
    return position;
  };
  let inner: PlanWriter['inner'] = null;
  const innerPageOf: InnerPageOf = (connection) => {
    // chainOf found exactly one page inside the top page's rows: this one.
    inner ??= { page: pageWriter(connection, 1, at, null), id: at(`${rowPrefix(1)}id`) };
    return inner.page;
  };
  const top = pageWriter(chain.top, 0, at, innerPageOf);
  // chainOf: one root field is the page, the others are constants (__typename).
  const index = plan.fields.findIndex((f) => f.kind === 'connection');
  const keyOf = (i: number) => `${i === 0 ? '{' : ','}${JSON.stringify(plan.fields[i]!.key)}:`;
  const constants = (from: number, to: number) =>
    plan.fields
      .slice(from, to)
      .map((f, k) => keyOf(from + k) + JSON.stringify(f.kind === 'constant' ? f.value : null))
      .join('');
  return { top, topId: at(`${rowPrefix(0)}id`), inner, before: constants(0, index) + keyOf(index), after: `${constants(index + 1, plan.fields.length)}}` };
}

/** Whether `plan` is answered from rows (answerFromRows): a chain of one page, or of a page with one page inside its rows. */
export function isAnsweredFromRows(plan: ResponsePlan): boolean {
  return writerOf(plan) !== null;
}

/**
 * Runs the statement of a chain (isAnsweredFromRows) and returns the JSON text of the
 * response's data; it throws UnanswerableRow when a stored value is not one GraphQL would pass
 * through.
 */
export async function answerFromRows(db: Db, plan: ResponsePlan): Promise<string> {
  const writer = writerOf(plan);
  if (writer === null) throw new Error('not a plan answered from rows');
  const rows = await rowsStatement.execute(db, plan, statementOf(plan).values);
  const out = [writer.before];
  if (writer.inner === null) {
    const check = writer.top.checkRow;
    if (check) for (const row of rows) check(row);
    writer.top.write(rows, null, out);
  } else {
    // One result row per child: the top rows are the first of each run of one top id.
    const { topId, inner } = writer;
    const tops: Row[] = [];
    const children: Row[][] = [];
    let current: Row[] = [];
    let ordered = true;
    for (const row of rows) {
      if (tops.length === 0 || row[topId] !== tops[tops.length - 1]![topId]) {
        tops.push(row);
        children.push((current = []));
      }
      const id = row[inner.id] as number | null;
      if (id === null) continue;
      if (current.length > 0 && (current[current.length - 1]![inner.id] as number) > id) ordered = false;
      current.push(row);
    }
    // The statement orders the top rows only (see rowsStatement); a page's rows go by id.
    if (!ordered) for (const page of children) page.sort((a, b) => (a[inner.id] as number) - (b[inner.id] as number));
    // As the resolvers map rows: every top row fetched, and the children of those on the page
    // (the row past the page has none fetched by them).
    const checkTop = writer.top.checkRow;
    const checkChild = inner.page.checkRow;
    const onPage = Math.min(tops.length, writer.top.limit);
    if (checkTop) for (const row of tops) checkTop(row);
    if (checkChild) for (let i = 0; i < onPage; i++) for (const row of children[i]!) checkChild(row);
    writer.top.write(tops, children, out);
  }
  out.push(writer.after);
  return out.join('');
}
