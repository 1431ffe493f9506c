/**
 * `npm run audit-log -- --since 1h`: prints the audit log (newest last) as JSON lines.
 * --since takes s/m/h/d (default 1h); --limit caps the rows (default 1000). Reads DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { auditSince } from '../src/db/audit.js';
import { createDatabase } from '../src/db/database.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const { values } = parseArgs({ options: { since: { type: 'string', default: '1h' }, limit: { type: 'string', default: '1000' } } });
const match = /^(\d+)([smhd])$/.exec(values.since);
const limit = Number(values.limit);
if (!match || !Number.isInteger(limit) || limit < 1) {
  console.error('usage: npm run audit-log -- [--since 30m|1h|7d] [--limit N]');
  process.exit(2);
}
const since = new Date(Date.now() - Number(match[1]) * UNITS[match[2]!]!);
const config = loadConfig();
const database = createDatabase(config.database, { timeouts: config.databaseTimeouts });
try {
  for (const row of await auditSince(database.db, since, limit)) console.log(JSON.stringify(row));
} finally {
  await database.close();
}
