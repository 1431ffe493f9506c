/**
 * The only constructors of client-facing errors: every extensions.code and HTTP status has
 * one source. Anything else thrown in a resolver is masked by Yoga as "Unexpected error.".
 */
import { GraphQLError } from 'graphql';

export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'RATE_LIMITED' | 'DATABASE_BUSY';

function make(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * No credential where one is required (HTTP 401 with an RFC 6750 challenge), or, with
 * `invalidToken`, a credential that was presented and rejected.
 */
export function unauthenticated(message = 'Authentication required.', options: { invalidToken?: boolean } = {}): GraphQLError {
  const challenge = options.invalidToken
    ? `Bearer realm="skillmeat", error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"`
    : 'Bearer realm="skillmeat"';
  return make('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': challenge } } });
}

/** A valid identity that lacks the scope, or acts outside its team. */
export function forbidden(message = 'Not allowed.'): GraphQLError {
  return make('FORBIDDEN', message);
}

/** An id the caller cannot see: the same answer whether it exists or not. */
export function notFound(what: string, id: string): GraphQLError {
  return make('NOT_FOUND', `No ${what} with id "${id}".`);
}

/** Invalid arguments; `field` names the argument or input field at fault. */
export function badInput(message: string, field?: string): GraphQLError {
  return make('BAD_USER_INPUT', message, field === undefined ? {} : { field });
}

/** Too many attempts (login, sign-up, user-code guesses): HTTP 429 with Retry-After. */
export function rateLimited(retryAfterSeconds: number): GraphQLError {
  const seconds = Math.max(1, retryAfterSeconds);
  return make('RATE_LIMITED', `Too many attempts; try again in ${seconds} seconds.`, {
    retryAfter: seconds,
    http: { status: 429, headers: { 'Retry-After': String(seconds) } },
  });
}

/** The database's write lock stayed taken past the wait (src/db/sqlite-busy.ts): nothing was written; HTTP 503. */
export function databaseBusy(): GraphQLError {
  return make('DATABASE_BUSY', 'The database is busy; nothing was written. Try again.', {
    http: { status: 503, headers: { 'Retry-After': '1' } },
  });
}

export function errorCode(error: unknown): string | undefined {
  if (error instanceof GraphQLError) {
    const code = error.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
