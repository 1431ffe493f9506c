/** The registry's tables: users, artifacts (+ tags), collections (+ membership), settings. */
import type { Kysely } from 'kysely';
import { idColumn } from './column-types.js';

// Migrations are frozen in time, so they type the database as unknown.
export async function up(db: Kysely<unknown>): Promise<void> {
  await idColumn(db, db.schema.createTable('users'))
    .addColumn('subject', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_team_id').on('users').columns(['team_id', 'id']).execute();

  await idColumn(db, db.schema.createTable('artifacts'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('owner_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifacts_team_id').on('artifacts').columns(['team_id', 'id']).execute();
  await db.schema.createIndex('artifacts_visibility').on('artifacts').columns(['visibility', 'id']).execute();
  await db.schema.createIndex('artifacts_owner_id').on('artifacts').column('owner_id').execute();

  await db.schema
    .createTable('artifact_tags')
    .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('artifact_tags_pk', ['artifact_id', 'tag'])
    .execute();
  await db.schema.createIndex('artifact_tags_tag').on('artifact_tags').columns(['tag', 'artifact_id']).execute();

  await idColumn(db, db.schema.createTable('collections'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('owner_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('collections_team_id').on('collections').columns(['team_id', 'id']).execute();
  await db.schema.createIndex('collections_visibility').on('collections').columns(['visibility', 'id']).execute();

  await db.schema
    .createTable('collection_artifacts')
    .addColumn('collection_id', 'integer', (c) => c.notNull().references('collections.id').onDelete('cascade'))
    .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('collection_artifacts_pk', ['collection_id', 'artifact_id'])
    .execute();
  await db.schema
    .createIndex('collection_artifacts_artifact')
    .on('collection_artifacts')
    .columns(['artifact_id', 'collection_id'])
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['settings', 'collection_artifacts', 'collections', 'artifact_tags', 'artifacts', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
