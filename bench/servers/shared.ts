/**
 * What every peer server shares: its port and database (a SQLite file, or a postgres:// URL) from
 * the command line, and the
 * context our resolvers need, with a fixed LOCAL_ADMIN viewer (no shield, no auth chain), so a
 * peer runs exactly our schema and data functions and nothing else.
 */
import { parseDatabaseUrl } from '../../src/config.js';
import { createContext, type Context } from '../../src/context/context.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { upsertUser } from '../../src/db/users.js';
import { LOCAL_SUBJECT, LOCAL_TEAM, makeViewer, type Viewer } from '../../src/vocabulary/viewer.js';

export interface PeerSetup {
  port: number;
  database: Database;
  /** A fresh context per request: new DataLoaders, the same viewer. */
  context(): Context;
  flag(name: string): boolean;
}

function argument(name: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  if (!value) throw new Error(`missing --${name}`);
  return value;
}

export async function setUpPeer(): Promise<PeerSetup> {
  const port = Number(argument('port'));
  // A postgres:// URL runs on PostgreSQL, anything else is a SQLite path (as DATABASE_URL is read).
  const database = createDatabase(parseDatabaseUrl(argument('db'), '--db'));
  // The same user zero-auth acts as, so createArtifact has an owner that exists.
  const user = await upsertUser(database.db, { subject: LOCAL_SUBJECT, name: 'Local admin', role: 'LOCAL_ADMIN', teamId: LOCAL_TEAM });
  const viewer: Viewer = makeViewer({ role: 'LOCAL_ADMIN', teamId: LOCAL_TEAM, authMethod: 'ZERO_AUTH', userId: user.id });
  return {
    port,
    database,
    context: () => createContext(database.db, viewer, '127.0.0.1'),
    flag: (name) => process.argv.includes(`--${name}`),
  };
}

/** Stops on SIGTERM/SIGINT: `close` the server, then the database, then exit. */
export function stopOn(close: () => Promise<void>, database: Database): void {
  const stop = () => {
    const hard = setTimeout(() => process.exit(1), 5_000);
    hard.unref();
    close()
      .then(() => database.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
