/**
 * PostgreSQL introspection of one schema only: the one this server's tables live in.
 *
 * Kysely's Migrator asks the dialect's introspector whether its bookkeeping tables exist, and
 * Kysely's own PostgreSQL introspector reads every schema of the database, calling
 * `has_schema_privilege(name, …)` and `pg_get_serial_sequence(name, …)` on each schema's name.
 * Those functions look the name up in the current catalog, not in the query's snapshot: when
 * another schema is dropped while the query runs (another tenant's, a parallel test run's),
 * the lookup fails with `schema "…" does not exist` and so does this server's start. Reading
 * only our schema, by OID, leaves other schemas out of it entirely.
 */
import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

/** Kysely's Migrator bookkeeping tables, listed only with `withInternalKyselyTables`. */
const MIGRATOR_TABLES = ['kysely_migration', 'kysely_migration_lock'];

interface ColumnRow {
  table: string;
  table_kind: string;
  schema: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  auto_incrementing: boolean;
  comment: string | null;
}

export class SchemaScopedPostgresIntrospector implements DatabaseIntrospector {
  /** `schema`: the schema to read; without it, the connection's `current_schema()`. */
  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database: introspection reads the catalog, not our tables
    private readonly db: Kysely<any>,
    private readonly schema?: string,
  ) {}

  /** Every schema's name (one catalog read by OID; nothing is looked up by name). */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace order by nspname`.execute(this.db);
    return rows.map((row) => ({ name: row.name }));
  }

  /** The tables and views of this schema, with their columns in order. */
  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const schema = this.schema === undefined ? sql`current_schema()` : sql`${this.schema}`;
    const internal = options.withInternalKyselyTables ? sql`` : sql`and c.relname not in (${sql.join(MIGRATOR_TABLES)})`;
    const { rows } = await sql<ColumnRow>`
      select c.relname as table, c.relkind as table_kind, ns.nspname as schema,
             a.attname as column, typ.typname as type, typns.nspname as type_schema,
             a.attnotnull as not_null, a.atthasdef as has_default,
             (a.attidentity <> '' or coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid) like 'nextval(%', false)) as auto_incrementing,
             pg_catalog.col_description(a.attrelid, a.attnum) as comment
        from pg_catalog.pg_namespace ns
        join pg_catalog.pg_class c on c.relnamespace = ns.oid
        join pg_catalog.pg_attribute a on a.attrelid = c.oid
        join pg_catalog.pg_type typ on typ.oid = a.atttypid
        join pg_catalog.pg_namespace typns on typns.oid = typ.typnamespace
        left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       where ns.nspname = ${schema}
         and c.relkind in ('r', 'v', 'p')
         and a.attnum > 0 and not a.attisdropped
         ${internal}
       order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      let table = tables.get(row.table);
      if (!table) {
        table = { name: row.table, schema: row.schema, isView: row.table_kind === 'v', columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.auto_incrementing,
        ...(row.comment === null ? {} : { comment: row.comment }),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

/** Kysely's PostgreSQL dialect, with introspection (and so the Migrator) kept to one schema. */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly schema?: string,
  ) {
    super(config);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature Kysely declares
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaScopedPostgresIntrospector(db, this.schema);
  }
}
