/**
 * `npm run keys:rotate`: adds a new signing key for the local identity provider and retires the
 * others. Retired keys keep verifying until the access tokens they signed have expired
 * (15 minutes), so nobody is signed out. Reads DATABASE_URL like the server.
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { rotateSigningKey } from '../src/auth/local/signing-keys.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';

try {
  const config = loadConfig();
  const database = createDatabase(config.database, { timeouts: config.databaseTimeouts });
  try {
    await migrateToLatest(database.db);
    const kid = await rotateSigningKey(database.db);
    console.log(`new signing key ${kid}; older keys retired (they verify for 15 more minutes)`);
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(`skillmeat: ${error instanceof ConfigError ? 'configuration error: ' : ''}${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
