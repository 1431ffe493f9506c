/**
 * A plan with one page and nothing nested under its rows (W2's shape: a page of artifacts, each
 * with its owner) answered from rows: one statement reads the page's columns (and its owners')
 * as arrays, and a writer made once per plan writes the JSON of `data` from them. For such a
 * page that costs less than building the JSON inside SQLite (json-response.ts), whose
 * json_object calls and per-value checks in SQL cost more than reading the columns does: on the
 * bench's W2, 527 against 736 CPU µs per request for the whole request (docs/performance.md).
 * Pages with pages inside them keep the one JSON statement, which reads them all at once.
 *
 * The writer checks every value against what its GraphQL type would serialize unchanged, as the
 * statement does, and throws where a value is not, so the resolvers answer instead. It writes
 * strings with JSON.stringify, as the response would be, and where the resolvers compute a value
 * it calls the same function: encodeGlobalId for ids, encodeCursor for cursors. A tag list is
 * passed through when JSON.stringify of its parsed value gives it back, so it may also pass the
 * \u escapes JSON.stringify writes, which the statement leaves to the resolvers.
 * test/sql-execution.test.ts compares its answers with theirs, byte for byte. */
import { sql } from 'kysely';
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


/** The users row an owner field reads sits in the same result row, its columns under this prefix. */
const OWNER_PREFIX = 'u__';

/**
 * Whether `plan` is answered here: exactly one connection, so no page inside a row (a nested
 * page is a connection of its own, under a root one), and one root field is that page.
 */
export function isFlatPlan(plan: ResponsePlan): boolean {
  return plan.connections.length === 1;
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

/** toArtifact parses every row's tags, asked for or not: a row whose tags do not parse fails there. */
function assertTagsParse(value: unknown): void {
  if (typeof value !== 'string') unanswerable('tags');
  if (canonicalLists.has(value)) return;
  try {
    JSON.parse(value);
  } catch {
    unanswerable('tags');
  }
}

/**
 * Appends the JSON of one row's piece of the answer to `out`. Every piece of a page goes in one
 * array, joined once at the end into one flat string: adding strings up with `+` instead makes
 * a tree of thousands of pieces per response, which the garbage collector then copies around
 * until the response is written (in the bench that cost more than the statement).
 */
type Writer = (row: Row) => string;

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
interface FieldWriter {
  write: Writer;
  quoted: boolean;
}

const plain = (write: Writer): FieldWriter => ({ write, quoted: false });
const quoted = (write: Writer): FieldWriter => ({ write, quoted: true });

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
 * Writes `{"key":value,...}` with the writers of its entries: one short string per object, which
 * the page then joins (see Writer). The constant text between two values (a comma, the next key,
 * the quotes of quoted values) is made once, here.
 */
function objectWriter(entries: readonly [string, FieldWriter][]): Writer {
  const n = entries.length;
  const before = entries.map(([key, field], i) => {
    const closing = i > 0 && entries[i - 1]![1].quoted ? '"' : '';
    return `${i === 0 ? '{' : `${closing},`}${JSON.stringify(key)}:${field.quoted ? '"' : ''}`;
  });
  const end = `${n > 0 && entries[n - 1]![1].quoted ? '"' : ''}}`;
  const writers = entries.map(([, field]) => field.write);
  return (row) => {
    let json = '';
    for (let i = 0; i < n; i++) json += before[i]! + writers[i]!(row);
    return json + end;
  };
}

function rowWriter(plan: RowPlan, prefix: string, at: PositionOf): Writer {
  return objectWriter(
    plan.fields.map((field): [string, FieldWriter] => {
      switch (field.kind) {
        case 'value':
          return [field.key, valueWriter(field.value, prefix, at)];
        case 'owner': {
          const user = rowWriter(field.user, OWNER_PREFIX, at);
          const ownerId = at(`${OWNER_PREFIX}id`);
          // Null without an owner or when the owner's row is gone, as usersByIds answers.
          return [field.key, plain((row) => (row[ownerId] === null ? 'null' : user(row)))];
        }
        case 'connection':
          throw new Error('a page inside a row is answered by the JSON statement, not from rows');
      }
    }),
  );
}

/**
 * The columns the page's writer reads, in the order the statement selects them: the listed
 * table's by name, then the owners' users columns under OWNER_PREFIX. The same plan shape (the
 * statement's key) always gives the same list.
 */
function columnList(connection: ConnectionPlan): string[] {
  const own = new Set<string>(['id']);
  const owner = new Set<string>();
  const visit = (plan: RowPlan, into: Set<string>, prefix: string) => {
    for (const field of plan.fields) {
      if (field.kind === 'value') for (const column of columnsOf(field.value)) into.add(prefix + column);
      else if (field.kind === 'owner') {
        owner.add(`${OWNER_PREFIX}id`);
        visit(field.user, owner, OWNER_PREFIX);
      }
    }
  };
  for (const field of connection.fields) if (field.kind === 'edges') for (const e of field.edge) if (e.kind === 'node') visit(e.node, own, '');
  // toArtifact parses each artifact's tags whatever is asked (assertTagsParse).
  if (connection.source === 'artifacts' || connection.source === 'artifactsOfCollection') own.add('tags');
  return [...own, ...owner];
}

interface PageWriter {
  /** Checks every fetched row (the one past the page too) as the resolvers' row mapping does. */
  checkRow: ((row: Row) => void) | null;
  /** Appends the page's JSON to `out`, from the rows fetched (one more than the page with pageInfo). */
  write(rows: readonly Row[], out: string[]): void;
}

/** Writes one field of a connection from the page's rows and whether more follow. */
type PageFieldWriter = (page: readonly Row[], more: boolean, out: string[]) => void;

function fieldsWriter(fields: readonly [string, PageFieldWriter][]): PageFieldWriter {
  const keys = fields.map(([key], i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);
  return (page, more, out) => {
    for (let i = 0; i < fields.length; i++) {
      out.push(keys[i]!);
      fields[i]![1](page, more, out);
    }
    out.push('}');
  };
}

function constantWriter(value: string): PageFieldWriter {
  const json = JSON.stringify(value);
  return (_page, _more, out) => {
    out.push(json);
  };
}

function pageWriter(connection: ConnectionPlan): PageWriter {
  const { limit, afterId } = connection.window;
  const positions = new Map(columnList(connection).map((column, i) => [column, i]));
  const at: PositionOf = (column) => {
    const position = positions.get(column);
    if (position === undefined) throw new Error(`the page statement does not select ${column}`);
    return position;
  };
  const id = at('id');
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
            if (e.kind === 'node') return [e.key, plain(rowWriter(e.node, '', at))];
            if (e.kind === 'cursor') return [e.key, edgeCursor];
            const json = JSON.stringify(e.value);
            return [e.key, plain(() => json)];
          }),
        );
        return [
          field.key,
          (page, _more, out) => {
            out.push('[');
            for (let i = 0; i < page.length; i++) {
              if (i > 0) out.push(',');
              out.push(edge(page[i]!));
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
              return [p.key, (_page, more, out) => void out.push(String(more))];
            case 'hasPreviousPage':
              return [p.key, (_page, _more, out) => void out.push(String(afterId !== null))];
            case 'startCursor':
              return [p.key, (page, _more, out) => void out.push(cursorOf(page[0]))];
            case 'endCursor':
              return [p.key, (page, _more, out) => void out.push(cursorOf(page[page.length - 1]))];
          }
        });
        return [field.key, fieldsWriter(info)];
      }
    }
  });
  const write = fieldsWriter(fields);
  const tags = connection.source === 'artifacts' || connection.source === 'artifactsOfCollection' ? at('tags') : null;
  return {
    checkRow: tags === null ? null : (row) => assertTagsParse(row[tags]),
    write(rows, out) {
      const more = rows.length > limit;
      write(more ? rows.slice(0, limit) : rows, more, out);
    },
  };
}

/**
 * The statement: the page's rows (pageRowsSql) with the columns read, owners joined when asked
 * for, read as arrays (ROWS_AS_ARRAYS: no row objects to make and drop).
 */
const rowsStatement = new QueryTemplate(
  // Its own compiled shapes (one QueryTemplate), so the JSON statement's key serves as is.
  (plan: ResponsePlan) => statementOf(plan).key,
  (db, plan: ResponsePlan, slot) => {
    const connection = plan.connections[0]!;
    const list = columnList(connection);
    const columns = list.map((c) =>
      c.startsWith(OWNER_PREFIX) ? sql`${sql.ref(`u.${c.slice(OWNER_PREFIX.length)}`)} as ${sql.id(c)}` : sql`${sql.ref(`r.${c}`)} as ${sql.id(c)}`,
    );
    const withPageInfo = connection.fields.some((f) => f.kind === 'pageInfo');
    const rows = pageRowsSql(connection, slot, slot<number>(`${withPageInfo ? 'fetch' : 'limit'}${connection.index}`));
    const join = list.some((c) => c.startsWith(OWNER_PREFIX)) ? sql` left join users as u on ${sql.ref('u.id')} = ${sql.ref('r.owner_id')}` : sql``;
    const statement = sql<Row>`${sql.raw(ROWS_AS_ARRAYS)}select ${sql.join(columns)} from (${rows}) as r${join} order by ${sql.ref('r.id')}`;
    return { compile: () => statement.compile(db) };
  },
);

/** What answers a flat plan, made once per plan. */
interface PlanWriter {
  page: PageWriter;
  /** The JSON text of `data` before and after the page's (its one connection field). */
  before: string;
  after: string;
}

const writers = new WeakMap<ResponsePlan, PlanWriter>();

function writerOf(plan: ResponsePlan): PlanWriter {
  let writer = writers.get(plan);
  if (writer === undefined) {
    // isFlatPlan: one field is the page, the others are constants (__typename).
    const at = plan.fields.findIndex((f) => f.kind === 'connection');
    const keyOf = (i: number) => `${i === 0 ? '{' : ','}${JSON.stringify(plan.fields[i]!.key)}:`;
    const constants = (from: number, to: number) =>
      plan.fields
        .slice(from, to)
        .map((f, k) => keyOf(from + k) + JSON.stringify(f.kind === 'constant' ? f.value : null))
        .join('');
    const before = constants(0, at) + keyOf(at);
    const after = constants(at + 1, plan.fields.length);
    writer = { page: pageWriter(plan.connections[0]!), before, after: `${after}}` };
    writers.set(plan, writer);
  }
  return writer;
}

/**
 * Runs the statement of a flat plan (isFlatPlan) and returns the JSON text of the response's
 * data; it throws UnanswerableRow when a stored value is not one GraphQL would pass through.
 */
export async function answerFromRows(db: Db, plan: ResponsePlan): Promise<string> {
  const rows = await rowsStatement.execute(db, plan, statementOf(plan).values);
  const writer = writerOf(plan);
  const check = writer.page.checkRow;
  if (check) for (const row of rows) check(row);
  const out = [writer.before];
  writer.page.write(rows, out);
  out.push(writer.after);
  return out.join('');
}
