/**
 * Emails in one Unicode form (issue 21, item 7). Before this, an address was trimmed and
 * lower-cased only, so `josé@…` with é (NFC) and with e + U+0301 (NFD) were two accounts that
 * print identically. Every account gets `email_key` = foldEmail(email), the form logIn and
 * signUp compare, and `email_duplicate`, unique together with it:
 *
 * - an account whose key no other account shares has its email rewritten to that form (and its
 *   users row's email with it), `email_duplicate` 0;
 * - accounts that share a key (look-alikes made before this migration) are not merged and their
 *   emails are left as they were: the one already in the folded form (else the oldest) holds
 *   the address (`email_duplicate` 0), the others get 1, 2, … Each still logs in with its own
 *   password by the form it signed up with; the start-up log names them (src/db/accounts.ts,
 *   lookAlikeAccounts) until an admin acts. The unique (email_key, email_duplicate) index keeps
 *   any new sign-up from making another one.
 *
 * The fold is written out here (not imported) so this migration keeps doing what it did when
 * the application's rule changes later.
 */
import { sql, type Kysely } from 'kysely';

const fold = (email: string) => email.trim().normalize('NFC').toLowerCase().normalize('NFC');

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('email_key', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('email_duplicate', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // Most addresses are ASCII and already folded: one statement for all, then only the rest by row.
  await sql`update accounts set email_key = email`.execute(db);

  const { rows } = await sql<{ user_id: number; email: string }>`select user_id, email from accounts order by user_id`.execute(db);
  const groups = new Map<string, { user_id: number; email: string }[]>();
  for (const row of rows) {
    const key = fold(row.email);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const [key, group] of groups) {
    if (group.length === 1) {
      const [row] = group as [{ user_id: number; email: string }];
      if (row.email === key) continue;
      await sql`update accounts set email = ${key}, email_key = ${key} where user_id = ${row.user_id}`.execute(db);
      await sql`update users set email = ${key} where id = ${row.user_id} and email = ${row.email}`.execute(db);
      continue;
    }
    const holder = group.find((row) => row.email === key) ?? group[0]!;
    let rank = 0;
    for (const row of [holder, ...group.filter((row) => row !== holder)]) {
      await sql`update accounts set email_key = ${key}, email_duplicate = ${rank} where user_id = ${row.user_id}`.execute(db);
      rank += 1;
    }
  }
  await db.schema.createIndex('accounts_email_key_duplicate').on('accounts').columns(['email_key', 'email_duplicate']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('accounts_email_key_duplicate').execute();
  await db.schema.alterTable('accounts').dropColumn('email_duplicate').execute();
  await db.schema.alterTable('accounts').dropColumn('email_key').execute();
}
