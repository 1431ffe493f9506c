/**
 * A read query answered by SQLite in one statement that builds the response's `data` as JSON,
 * the way Hasura and PostGraphile answer GraphQL: no row objects, no resolvers, no DataLoader.
 * src/plugins/sql-execution.ts decides which queries qualify (the fields below, every rule of
 * the permission table passed) and turns the operation into a ResponsePlan; this module turns
 * the plan into SQL. Tenancy is the same predicate the data functions use (tenancy.ts), pages
 * are walked the same way (by id, the page size plus one when pageInfo is asked for), and each
 * stored value is checked against what its GraphQL type would serialize unchanged: anything
 * else stops the statement (skillmeat_unanswerable, src/db/sqlite.ts), and the caller answers
 * through the resolvers instead.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import { ARTIFACT_TYPES, VISIBILITIES } from './model.js';
import { CURSOR_PREFIX, type PageWindow } from './pagination.js';
import { QueryTemplate, type SlotOf } from './query-template.js';
import { visibleRowsOf, type ReadAccess } from './tenancy.js';

/** How one stored value becomes one field of the answer. */
export type ValueSql =
  /** A text column (or the first non-null of several), as String. */
  | { kind: 'text'; columns: readonly string[]; nullable: boolean }
  /** A text column holding one of `values`, as an enum. */
  | { kind: 'enum'; column: string; values: readonly string[] }
  /** A timestamp stored in the DateTime scalar's wire form (serializeDateTime passes it through). */
  | { kind: 'datetime'; column: string }
  /** A JSON array of strings kept in a text column, as [String!]!, when stored as JSON.stringify writes it. */
  | { kind: 'stringList'; column: string }
  /** The row's Relay global id: base64 of `typename:id` (encodeGlobalId). */
  | { kind: 'globalId'; typename: string }
  /** A constant string: `__typename`. */
  | { kind: 'constant'; value: string };

/** The object types answered from one row, and the GraphQL type each field must have to be read from its column. */
export type RowType = 'Artifact' | 'Collection' | 'User';

export interface ColumnField {
  /** The field's type as graphql-js prints it (`String!`); the field is read from SQL only when the schema agrees. */
  readonly graphqlType: string;
  readonly value: ValueSql;
}

export const COLUMN_FIELDS: Readonly<Record<RowType, Readonly<Record<string, ColumnField>>>> = {
  Artifact: {
    id: { graphqlType: 'ID!', value: { kind: 'globalId', typename: 'Artifact' } },
    name: { graphqlType: 'String!', value: { kind: 'text', columns: ['name'], nullable: false } },
    type: { graphqlType: 'ArtifactType!', value: { kind: 'enum', column: 'type', values: ARTIFACT_TYPES } },
    description: { graphqlType: 'String', value: { kind: 'text', columns: ['description'], nullable: true } },
    tags: { graphqlType: '[String!]!', value: { kind: 'stringList', column: 'tags' } },
    visibility: { graphqlType: 'Visibility!', value: { kind: 'enum', column: 'visibility', values: VISIBILITIES } },
    teamId: { graphqlType: 'String', value: { kind: 'text', columns: ['team_id'], nullable: true } },
    createdAt: { graphqlType: 'DateTime!', value: { kind: 'datetime', column: 'created_at' } },
    updatedAt: { graphqlType: 'DateTime!', value: { kind: 'datetime', column: 'updated_at' } },
  },
  Collection: {
    id: { graphqlType: 'ID!', value: { kind: 'globalId', typename: 'Collection' } },
    name: { graphqlType: 'String!', value: { kind: 'text', columns: ['name'], nullable: false } },
    description: { graphqlType: 'String', value: { kind: 'text', columns: ['description'], nullable: true } },
    visibility: { graphqlType: 'Visibility!', value: { kind: 'enum', column: 'visibility', values: VISIBILITIES } },
    teamId: { graphqlType: 'String', value: { kind: 'text', columns: ['team_id'], nullable: true } },
    createdAt: { graphqlType: 'DateTime!', value: { kind: 'datetime', column: 'created_at' } },
  },
  User: {
    id: { graphqlType: 'ID!', value: { kind: 'globalId', typename: 'User' } },
    name: { graphqlType: 'String', value: { kind: 'text', columns: ['name'], nullable: true } },
    // toUser: the identity provider's team, else the one an admin gave.
    teamId: { graphqlType: 'String', value: { kind: 'text', columns: ['team_id', 'team_override'], nullable: true } },
    createdAt: { graphqlType: 'DateTime!', value: { kind: 'datetime', column: 'created_at' } },
  },
};

/** The lists a connection can page through: the two root lists and the two sides of membership. */
export type ConnectionSource = 'artifacts' | 'collections' | 'artifactsOfCollection' | 'collectionsOfArtifact';

export type RowField =
  | { key: string; kind: 'value'; value: ValueSql }
  /** Artifact.owner: the users row of owner_id, or null. */
  | { key: string; kind: 'owner'; user: RowPlan }
  | { key: string; kind: 'connection'; connection: ConnectionPlan };

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
  | { key: string; kind: 'constant'; value: string };

export interface ConnectionPlan {
  /** Its place in ResponsePlan.connections: the slots of its window are named after it. */
  readonly index: number;
  readonly source: ConnectionSource;
  /** What the viewer may read of the listed table (readAccess with the list's read scope). */
  readonly access: ReadAccess;
  readonly window: PageWindow;
  readonly fields: readonly ConnectionField[];
}

export type ResponseField = { key: string; kind: 'connection'; connection: ConnectionPlan } | { key: string; kind: 'constant'; value: string };

export interface ResponsePlan {
  readonly fields: readonly ResponseField[];
  /** Every connection of the plan, each at its index. */
  readonly connections: readonly ConnectionPlan[];
  /** The viewer's team, for the tenancy predicate 'public-or-team'. */
  readonly teamId: string | null;
}

/** DateTime's wire form (CANONICAL_TIMESTAMP in database.ts) as a GLOB pattern. */
const CANONICAL_DATETIME = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z';

function unanswerable(reason: string): RawBuilder<unknown> {
  return sql`skillmeat_unanswerable(${sql.lit(reason)})`;
}

function valueSql(value: ValueSql, row: string): RawBuilder<unknown> {
  switch (value.kind) {
    case 'text': {
      const refs = value.columns.map((column) => sql.ref(`${row}.${column}`));
      const text = refs.length === 1 ? refs[0]! : sql`coalesce(${sql.join(refs)})`;
      const types = value.nullable ? sql`('text', 'null')` : sql`('text')`;
      return sql`iif(typeof(${text}) in ${types}, ${text}, ${unanswerable('text')})`;
    }
    case 'enum': {
      const column = sql.ref(`${row}.${value.column}`);
      return sql`iif(${column} in (${sql.join(value.values.map((v) => sql.lit(v)))}), ${column}, ${unanswerable('enum')})`;
    }
    case 'datetime': {
      const column = sql.ref(`${row}.${value.column}`);
      // GLOB reads a number as its text, which cannot match; NULL does not match either.
      return sql`iif(${column} glob ${sql.lit(CANONICAL_DATETIME)}, ${column}, ${unanswerable('datetime')})`;
    }
    case 'stringList': {
      const column = sql.ref(`${row}.${value.column}`);
      // Passed through as stored, so it must be what JSON.stringify writes: minified (json()
      // gives it back unchanged) and with no \u or \/ escape (JSON.stringify writes \u only
      // for control characters, and such a list is left to the resolvers too).
      // json() stops the statement on text that is not JSON, and gives back anything else than
      // text (a number, NULL) as something that is not equal to it.
      return sql`iif(json(${column}) = ${column} and substr(${column}, 1, 1) = '[' and instr(${column}, ${sql.lit('\\u')}) = 0 and instr(${column}, ${sql.lit('\\/')}) = 0 and not exists (select 1 from json_each(${column}) where type <> 'text'), json(${column}), ${unanswerable('string list')})`;
    }
    case 'globalId':
      return sql`skillmeat_base64(${sql.lit(`${value.typename}:`)} || ${sql.ref(`${row}.id`)})`;
    case 'constant':
      return sql.lit(value.value);
  }
}

function jsonObject(entries: readonly [string, RawBuilder<unknown>][]): RawBuilder<unknown> {
  return sql`json_object(${sql.join(entries.map(([key, value]) => sql`${sql.lit(key)}, ${value}`))})`;
}

const jsonBoolean = (condition: RawBuilder<unknown>) => sql`json(iif(${condition}, 'true', 'false'))`;

/**
 * Builds the statement of one plan shape. Values that vary between requests of that shape (the
 * viewer's team, each connection's page size and cursor) go in as slots, so the SQL is built
 * and compiled once per shape (QueryTemplate) and prepared once (the statement cache).
 */
class ResponseSqlBuilder {
  constructor(private readonly slot: SlotOf) {}

  row(plan: RowPlan, row: string, depth: number): RawBuilder<unknown> {
    const object = jsonObject(
      plan.fields.map((field): [string, RawBuilder<unknown>] => {
        switch (field.kind) {
          case 'value':
            return [field.key, valueSql(field.value, row)];
          case 'owner': {
            // The users row its connection joined (ownerJoin): null without an owner or when
            // the owner's row is gone, as usersByIds answers.
            const user = `u${depth}`;
            return [field.key, sql`iif(${sql.ref(`${user}.id`)} is null, null, ${this.row(field.user, user, depth + 1)})`];
          }
          case 'connection':
            return [field.key, sql`json(${this.connection(field.connection, row, depth + 1)})`];
        }
      }),
    );
    // toArtifact parses every row's tags, asked for or not: a row whose tags are not JSON fails
    // the whole list there, so it must here too (the resolvers then answer, with their error).
    // (When the tags are asked for, their own check covers this.)
    const readsTags = plan.fields.some((f) => f.kind === 'value' && f.value.kind === 'stringList');
    if (plan.type !== 'Artifact' || readsTags) return object;
    const tags = sql.ref(`${row}.tags`);
    return sql`iif(json_valid(${tags}), ${object}, ${unanswerable('tags')})`;
  }

  /** A page's rows joined with their owners' users rows (alias u<depth>) when a node asks for `owner`. */
  private ownerJoin(plan: ConnectionPlan, depth: number): RawBuilder<unknown> {
    const asksForOwner = plan.fields.some(
      (f) => f.kind === 'edges' && f.edge.some((e) => e.kind === 'node' && e.node.fields.some((n) => n.kind === 'owner')),
    );
    if (!asksForOwner) return sql``;
    const user = `u${depth}`;
    return sql` left join users as ${sql.id(user)} on ${sql.ref(`${user}.id`)} = ${sql.ref(`r${depth}.owner_id`)}`;
  }

  /**
   * The rows of one page: `limit` of them in id order, after the cursor, the viewer's only (the
   * listed table's alias is s<depth>); every column, only their ids, or the columns given with a
   * join of tables that add at most one row to each (page-rows.ts: owners).
   */
  pageRows(plan: ConnectionPlan, parentRow: string | null, depth: number, limit: number | RawBuilder<unknown>, select: PageSelect = 'all'): RawBuilder<unknown> {
    const listed = plan.source === 'artifacts' || plan.source === 'artifactsOfCollection' ? 'artifacts' : 'collections';
    const s = `s${depth}`;
    const conditions: RawBuilder<unknown>[] = [];
    const visible = visibleRowsOf(plan.access, s, this.slot<string | null>('team'));
    if (visible !== null) conditions.push(visible);
    let from: RawBuilder<unknown>;
    let order: RawBuilder<unknown>;
    if (plan.source === 'artifacts' || plan.source === 'collections') {
      from = sql`${sql.table(listed)} as ${sql.id(s)}`;
      order = sql.ref(`${s}.id`);
    } else {
      const m = `m${depth}`;
      const [parentColumn, childColumn] = plan.source === 'artifactsOfCollection' ? ['collection_id', 'artifact_id'] : ['artifact_id', 'collection_id'];
      from = sql`collection_artifacts as ${sql.id(m)} inner join ${sql.table(listed)} as ${sql.id(s)} on ${sql.ref(`${s}.id`)} = ${sql.ref(`${m}.${childColumn}`)}`;
      order = sql.ref(`${m}.${childColumn}`);
      conditions.unshift(sql`${sql.ref(`${m}.${parentColumn}`)} = ${sql.ref(`${parentRow!}.id`)}`);
    }
    if (plan.window.afterId !== null) conditions.push(sql`${order} > ${this.slot<number>(`after${plan.index}`)}`);
    const where = conditions.length > 0 ? sql` where ${sql.join(conditions, sql` and `)}` : sql``;
    const columns = select === 'all' ? sql`${sql.ref(s)}.*` : select === 'ids' ? sql.ref(`${s}.id`) : select.columns;
    const join = typeof select === 'string' ? sql`` : select.join;
    return sql`select ${columns} from ${from}${join}${where} order by ${order} limit ${limit}`;
  }

  connection(plan: ConnectionPlan, parentRow: string | null, depth: number): RawBuilder<unknown> {
    const r = `r${depth}`;
    const id = sql.ref(`${r}.id`);
    const pageLimit = this.slot<number>(`limit${plan.index}`);
    const withPageInfo = plan.fields.some((f) => f.kind === 'pageInfo');
    const readsRows = withPageInfo || plan.fields.some((f) => f.kind === 'edges');
    // With pageInfo, one row more than the page tells whether there is a next page (toPage).
    const inPage = withPageInfo ? sql` filter (where ${sql.ref(`${r}.skillmeat_n`)} <= ${pageLimit})` : sql``;
    const cursor = (rowId: RawBuilder<unknown>) => sql`skillmeat_base64url(${sql.lit(CURSOR_PREFIX)} || ${rowId})`;
    const fields = plan.fields.map((field): [string, RawBuilder<unknown>] => {
      switch (field.kind) {
        case 'constant':
          return [field.key, sql.lit(field.value)];
        case 'edges': {
          const edge = jsonObject(
            field.edge.map((e): [string, RawBuilder<unknown>] => {
              if (e.kind === 'node') return [e.key, this.row(e.node, r, depth)];
              if (e.kind === 'cursor') return [e.key, cursor(id)];
              return [e.key, sql.lit(e.value)];
            }),
          );
          return [field.key, sql`json_group_array(${edge} order by ${id})${inPage}`];
        }
        case 'pageInfo':
          return [
            field.key,
            jsonObject(
              field.pageInfo.map((p): [string, RawBuilder<unknown>] => {
                switch (p.kind) {
                  case 'constant':
                    return [p.key, sql.lit(p.value)];
                  case 'hasNextPage':
                    return [p.key, jsonBoolean(sql`count(*) > ${pageLimit}`)];
                  case 'hasPreviousPage':
                    return [p.key, jsonBoolean(plan.window.afterId !== null ? sql`1` : sql`0`)];
                  case 'startCursor':
                    return [p.key, cursor(sql`min(${id})${inPage}`)];
                  case 'endCursor':
                    return [p.key, cursor(sql`max(${id})${inPage}`)];
                }
              }),
            ),
          ];
      }
    });
    const object = jsonObject(fields);
    if (!readsRows) return sql`(select ${object})`;
    const rows = this.pageRows(plan, parentRow, depth, withPageInfo ? this.slot<number>(`fetch${plan.index}`) : pageLimit);
    const numbered = withPageInfo ? sql`(select q.*, row_number() over (order by q.id) as skillmeat_n from (${rows}) as q)` : sql`(${rows})`;
    return sql`(select ${object} from ${numbered} as ${sql.id(r)}${this.ownerJoin(plan, depth)})`;
  }

  /**
   * The top object is written by concatenation: its keys are known, and each connection's text
   * is JSON already, which json_object would only take after json() parsed it all again.
   */
  response(plan: ResponsePlan): RawBuilder<{ data: string }> {
    const parts = plan.fields.map((field, i) => {
      const key = sql.lit(`${i === 0 ? '{' : ','}${JSON.stringify(field.key)}:`);
      const value = field.kind === 'constant' ? sql.lit(JSON.stringify(field.value)) : this.connection(field.connection, null, 0);
      return sql`${key} || ${value}`;
    });
    return sql<{ data: string }>`select ${sql.join(parts, sql` || `)} || '}' as data`;
  }
}

/**
 * What the SQL of a plan depends on (everything but the values that go in slots), and the slot
 * values: the viewer's team, each connection's page size (and one more, to learn of a next
 * page) and cursor. Worked out once per plan, as plans are kept per document and viewer.
 */
export interface Statement {
  key: string;
  values: Record<string, unknown>;
}

const statements = new WeakMap<ResponsePlan, Statement>();

export function statementOf(plan: ResponsePlan): Statement {
  let statement = statements.get(plan);
  if (statement === undefined) {
    const key = JSON.stringify(plan.fields, (name, value: unknown) =>
      name === 'window' ? (value as PageWindow).afterId !== null : name === 'index' ? undefined : value,
    );
    const values: Record<string, unknown> = { team: plan.teamId };
    for (const { index, window } of plan.connections) {
      values[`limit${index}`] = window.limit;
      values[`fetch${index}`] = window.limit + 1;
      values[`after${index}`] = window.afterId;
    }
    statements.set(plan, (statement = { key, values }));
  }
  return statement;
}

/** What a page's query selects: every column of the listed rows, their ids, or columns of them and of tables joined to them. */
export type PageSelect = 'all' | 'ids' | { columns: RawBuilder<unknown>; join: RawBuilder<unknown> };

/**
 * The SQL of the rows of a page, for page-rows.ts: at the top of a plan (depth 0, parentless), or
 * (depth 1) the page of the row `r0` of the page above it. The tenancy, cursor and order are the
 * JSON statement's own; the listed table's alias is s<depth>.
 */
export function pageRowsSql(plan: ConnectionPlan, slot: SlotOf, limit: number | RawBuilder<unknown>, depth: 0 | 1, select: PageSelect): RawBuilder<unknown> {
  return new ResponseSqlBuilder(slot).pageRows(plan, depth === 0 ? null : 'r0', depth, limit, select);
}

const responseStatement = new QueryTemplate((plan: ResponsePlan) => statementOf(plan).key, (db, plan: ResponsePlan, slot) => {
  const statement = new ResponseSqlBuilder(slot).response(plan);
  return { compile: () => statement.compile(db) };
});

/**
 * Runs the one statement that answers `plan` and returns the JSON text of the response's data;
 * it throws when a stored value is not one the statement may pass through (see the top).
 */
export async function answerInSql(db: Db, plan: ResponsePlan): Promise<string> {
  const [row] = await responseStatement.execute(db, plan, statementOf(plan).values);
  if (typeof row?.data !== 'string') throw new Error('the response statement returned no JSON');
  return row.data;
}
