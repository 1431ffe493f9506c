/**
 * Errors we did not make on purpose (a bug, a database failure) reach the client as
 * "Unexpected error." with code INTERNAL_SERVER_ERROR; the log gets the real cause. A write
 * that waited in vain for SQLite's write lock is DATABASE_BUSY (503): it may simply be retried.
 */
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { isBusy } from '../db/sqlite-busy.js';
import { databaseBusy } from '../errors.js';
import type { Logger } from '../logger.js';

export function maskUnexpectedError(logger: Logger) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
    if (isBusy(original)) {
      logger.warn({ err: original }, 'gave up waiting for the database write lock');
      return databaseBusy();
    }
    if (!(original instanceof GraphQLError)) {
      const path = error instanceof GraphQLError ? error.path?.join('.') : undefined;
      logger.error({ err: original, path }, 'unexpected error in a resolver');
    }
    return yogaMaskError(error, message, isDev);
  };
}
