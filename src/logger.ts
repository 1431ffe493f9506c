/** Structured logging (pino). Log lines carry ids and outcomes, never bodies, headers or secrets. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'skillmeat-api' },
    // Defence in depth: these keys never reach the output even if someone logs them.
    redact: {
      paths: ['authorization', 'password', 'token', 'secret', 'apiKey', '*.authorization', '*.password', '*.token', '*.secret', '*.apiKey', 'headers'],
      censor: '[redacted]',
    },
  });
}
