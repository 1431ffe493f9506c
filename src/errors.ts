/**
 * The only constructors of client-facing errors: every extensions.code and HTTP status has
 * one source. Anything else thrown in a resolver is masked by Yoga as "Unexpected error.".
 */
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'DATABASE_BUSY'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CSRF_PREFLIGHT_REQUIRED'
  | 'HOST_NOT_ALLOWED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_ONLY'
  | 'BAD_REQUEST'
  | 'GRAPHQL_VALIDATION_FAILED';

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

/**
 * A GraphQL POST whose body is not JSON (a form, multipart, text/plain, none): HTTP 415. Those
 * are the encodings a page on another site can post without a CORS preflight.
 */
export function unsupportedMediaType(what = 'A GraphQL POST'): GraphQLError {
  return make('UNSUPPORTED_MEDIA_TYPE', `${what} must be JSON: send Content-Type: application/json.`, { http: { status: 415 } });
}

/**
 * A GraphQL GET that a browser could have sent from any site without a CORS preflight: HTTP 403.
 * `headers` names what would have made it one.
 */
export function preflightRequired(headers: readonly string[]): GraphQLError {
  return make(
    'CSRF_PREFLIGHT_REQUIRED',
    `This request was refused as a possible cross-site request forgery: a GraphQL GET must carry one of the headers ${headers.join(', ')} ` +
      '(or a Content-Type other than a form or text/plain), or be sent as a JSON POST.',
    { http: { status: 403 } },
  );
}

/** A Host header this server does not answer to (DNS rebinding): HTTP 421 Misdirected Request. */
export function hostNotAllowed(host: string): GraphQLError {
  const shown = host.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  return make(
    'HOST_NOT_ALLOWED',
    `This server does not answer to the Host "${shown}" (DNS rebinding protection). If that is its name, add it to SKILLMEAT_ALLOWED_HOSTS.`,
    { http: { status: 421 } },
  );
}

/** A documentId that names no document of the trusted-documents manifest: HTTP 400. */
export function persistedQueryNotFound(id: string): GraphQLError {
  const shown = id.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  return make('PERSISTED_QUERY_NOT_FOUND', `No trusted document has the id "${shown}" (ids are "sha256:" and the 64 hex digits of the document's SHA-256).`, {
    http: { status: 400 },
  });
}

/** A document sent as text, not in the manifest, to a server that runs trusted documents only (SKILLMEAT_TRUSTED_DOCUMENTS): HTTP 400. */
export function persistedQueryOnly(): GraphQLError {
  return make(
    'PERSISTED_QUERY_ONLY',
    'This server runs trusted documents only: send {"documentId": "sha256:<hex>"} of a document in its manifest. Other documents are for SYSTEM_ADMIN and LOCAL_ADMIN callers.',
    { http: { status: 400 } },
  );
}

/**
 * A request whose GraphQL params are malformed (a GET `variables` that is not JSON, variables
 * nested too deep): HTTP 400, with the code Yoga gives the params it refuses itself.
 */
export function badRequest(message: string): GraphQLError {
  return make('BAD_REQUEST', message, { http: { status: 400 } });
}

/**
 * A request carrying a credential header (Authorization, X-API-Key) more than once: HTTP 400
 * with RFC 6750's invalid_request challenge, before any strategy runs. A proxy that checked one
 * copy and a server that read the other would disagree about who is calling.
 */
export function duplicateCredentialHeader(header: string): GraphQLError {
  const message = `The ${header} header was sent more than once; send one credential.`;
  return make('BAD_REQUEST', message, {
    http: { status: 400, headers: { 'WWW-Authenticate': `Bearer realm="skillmeat", error="invalid_request", error_description="${message}"` } },
  });
}

/** An operation type (`subscription`) the schema has no root type for: HTTP 400, as graphql-js words it. */
export function operationTypeNotSupported(operation: string): GraphQLError {
  return make('GRAPHQL_VALIDATION_FAILED', `Schema is not configured to execute ${operation} operation.`, { http: { status: 400 } });
}

/**
 * A query that can ask for more nodes than the limit (src/plugins/node-limit.ts): HTTP 400.
 * `count` is null when the document was too large to count.
 */
export function tooManyNodes(count: number | null, limit: number): GraphQLError {
  const asked = count === null ? 'more nodes than can be counted' : `${count.toLocaleString('en-US')} nodes`;
  return make(
    'GRAPHQL_VALIDATION_FAILED',
    `This query can ask for ${asked}; the limit is ${limit.toLocaleString('en-US')}. ` +
      'Each element of a page counts, times the elements of the pages around it (a page is `first` long, 20 without it): ask for smaller or fewer nested pages.',
    { http: { status: 400 } },
  );
}

export function errorCode(error: unknown): string | undefined {
  if (error instanceof GraphQLError) {
    const code = error.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
