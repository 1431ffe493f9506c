/**
 * The process: read the config, start, and stop gracefully on SIGTERM/SIGINT. With
 * SKILLMEAT_WORKERS=N > 1 this process is a node:cluster primary that migrates the database
 * once, forks N workers sharing the port, and passes the signals on to them.
 */
import cluster from 'node:cluster';
import { startApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`skillmeat: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function serve(config: Config): Promise<void> {
  const app = await startApp(config);
  const stop = (signal: string) => {
    app.logger.info({ signal }, 'shutting down');
    // A second signal while draining exits at once.
    process.once(signal, () => process.exit(1));
    app.close(8_000).then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Under cluster the primary decides; a worker whose primary vanished stops too.
  if (cluster.isWorker) process.once('disconnect', () => stop('disconnect'));
}

async function primary(config: Config): Promise<void> {
  const database = createDatabase(config.database, { timeouts: config.databaseTimeouts });
  try {
    await migrateToLatest(database.db, config.database.schema);
  } finally {
    await database.close();
  }
  let stopping = false;
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`skillmeat: worker ${worker.process.pid} exited with ${code}; starting another`);
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const config = readConfig();
(config.workers > 1 && cluster.isPrimary ? primary(config) : serve(config)).catch((error: unknown) => {
  console.error(`skillmeat: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
