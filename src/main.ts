/** The process: read the config, start, and stop gracefully on SIGTERM/SIGINT. */
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`skillmeat: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
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
}

main().catch((error: unknown) => {
  console.error(`skillmeat: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
