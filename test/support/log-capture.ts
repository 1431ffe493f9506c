/**
 * A server whose log lines are kept in memory, for tests of what is (and is not) logged: the
 * same startApp as startTestServer, with a pino logger at the configured level writing to an
 * array. The logger has no redaction, so a secret that reaches a log call is seen by the test
 * (createLogger's redaction is only defence in depth).
 */
import { pino } from 'pino';
import { startApp, type App } from '../../src/app.js';
import { loadConfig, type DatabaseConfig } from '../../src/config.js';
import { createTestDatabase } from './databases.js';

export interface LoggedServer {
  app: App;
  url: string;
  /** Every log line so far, raw (JSON text). */
  lines(): string[];
  /** Every log line so far, parsed. */
  entries(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startLoggedServer(env: Record<string, string>): Promise<LoggedServer> {
  const database = await createTestDatabase('sqlite');
  const config = { ...loadConfig({ HOST: '127.0.0.1', PORT: '0', ...env }), database: database.config as DatabaseConfig };
  const lines: string[] = [];
  const logger = pino({ level: config.logLevel, base: { service: 'skillmeat-api' } }, { write: (line: string) => void lines.push(line) });
  let app: App;
  try {
    app = await startApp(config, { logger });
  } catch (error) {
    await database.drop().catch(() => {});
    throw error;
  }
  return {
    app,
    url: app.url,
    lines: () => [...lines],
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: async () => {
      await app.close(2_000);
      await database.drop();
    },
  };
}
