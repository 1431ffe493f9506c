/**
 * Which credential a command uses, and keeping a device-login session alive:
 * SKILLMEAT_AUTH_TOKEN overrides the credentials file; a stored session whose access token
 * expires within 60 s is refreshed with its refresh token (POST /oauth/token, grant
 * refresh_token) under the store's lock, and the rotated tokens are saved at once. A refused
 * refresh says to run `skillmeat auth login` again.
 */
import { CLIENT_ID } from './client-id.js';
import type { CredentialStore, StoredSession } from './credentials.js';
import type { CliEnvironment } from './environment.js';
import { apiError, authError } from './exit-codes.js';
import { bearer, type AuthHeaders } from './graphql.js';
import { postForm } from './http.js';
import { loginCommand } from './registry.js';
import { jwtExpiry } from './jwt.js';

/** Refresh when the access token has less than this left. */
export const REFRESH_MARGIN_MS = 60_000;

export type CredentialSource = { kind: 'env'; variable: 'SKILLMEAT_AUTH_TOKEN' } | { kind: 'file'; path: string } | { kind: 'keyring'; label: string } | { kind: 'none' };

export interface ActiveCredential {
  /** 'session': device login (refreshable); 'token': a stored or env token; 'none': anonymous. */
  type: 'session' | 'token' | 'none';
  headers: AuthHeaders;
  source: CredentialSource;
  /** The Bearer token sent, if any. */
  token: string | null;
  /** When the access token expires, when that can be told (a JWT's exp, or the stored expiry). */
  expiresAt: Date | null;
  /** The stored session, when type is 'session'. */
  session: StoredSession | null;
}

export interface SessionContext {
  env: CliEnvironment;
  registry: string;
  store: CredentialStore;
}

/** The access token's expiry: its `exp` claim when it is a JWT, else what was stored. */
export function sessionExpiry(session: StoredSession): Date {
  return jwtExpiry(session.accessToken) ?? new Date(session.expiresAt);
}

const needsRefresh = (session: StoredSession) => sessionExpiry(session).getTime() - Date.now() < REFRESH_MARGIN_MS;

/** A token endpoint answer (device or refresh grant) as a session to store. */
export function sessionFromTokenResponse(registry: string, body: unknown): StoredSession {
  const answer = body as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } | null;
  if (typeof answer?.access_token !== 'string' || typeof answer.refresh_token !== 'string' || typeof answer.expires_in !== 'number') {
    throw apiError(`The token endpoint of ${registry} answered without the expected tokens.`);
  }
  const expiresAt = jwtExpiry(answer.access_token) ?? new Date(Date.now() + answer.expires_in * 1000);
  return {
    type: 'session',
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: expiresAt.toISOString(),
    savedAt: new Date().toISOString(),
  };
}

const loginAgain = (registry: string, why: string) => authError(`${why} Run \`${loginCommand(registry)}\` to sign in again.`);

/**
 * A fresh session for `registry`: refreshes `session` under the lock, unless another process
 * already did (then its rotated tokens are used). Saves the rotated tokens before returning.
 */
export async function refreshStoredSession(ctx: SessionContext, session: StoredSession): Promise<StoredSession> {
  return ctx.store.withLock(async () => {
    const current = ctx.store.get(ctx.registry);
    if (current?.type === 'session' && current.refreshToken !== session.refreshToken && !needsRefresh(current)) return current;
    const refreshToken = current?.type === 'session' ? current.refreshToken : session.refreshToken;
    const { status, body } = await postForm(ctx.registry, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
    });
    if (status !== 200) {
      const error = body as { error?: unknown; error_description?: unknown } | null;
      const reason = typeof error?.error_description === 'string' ? error.error_description : `HTTP ${status}`;
      if (error?.error === 'invalid_grant' || status === 400 || status === 401) {
        throw loginAgain(ctx.registry, `Your session on ${ctx.registry} could not be renewed: ${reason}`);
      }
      throw apiError(`Renewing the session on ${ctx.registry} failed: ${reason}`);
    }
    const fresh = sessionFromTokenResponse(ctx.registry, body);
    ctx.store.set(ctx.registry, fresh);
    return fresh;
  });
}

/** The credential commands use: env token > stored token or (fresh) session > none. */
export async function activeCredential(ctx: SessionContext): Promise<ActiveCredential> {
  if (ctx.env.authToken !== undefined) {
    const token = ctx.env.authToken;
    return { type: 'token', headers: bearer(token), source: { kind: 'env', variable: 'SKILLMEAT_AUTH_TOKEN' }, token, expiresAt: jwtExpiry(token), session: null };
  }
  const located = ctx.store.locate(ctx.registry);
  const stored = located?.credential;
  const source: CredentialSource = located?.where === 'keyring' ? { kind: 'keyring', label: ctx.store.describe('keyring') } : { kind: 'file', path: ctx.store.file };
  if (stored?.type === 'token') {
    return { type: 'token', headers: bearer(stored.token), source, token: stored.token, expiresAt: jwtExpiry(stored.token), session: null };
  }
  if (stored?.type === 'session') {
    const session = needsRefresh(stored) ? await refreshStoredSession(ctx, stored) : stored;
    return { type: 'session', headers: bearer(session.accessToken), source, token: session.accessToken, expiresAt: sessionExpiry(session), session };
  }
  return { type: 'none', headers: {}, source: { kind: 'none' }, token: null, expiresAt: null, session: null };
}

/** The message for "this needs a credential and there is none, or it was refused". */
export function notLoggedIn(registry: string, refused?: string): Error {
  const login = loginCommand(registry);
  return authError(
    refused
      ? `${registry} refused the credential: ${refused} Run \`${login}\`, or give a valid token with \`skillmeat auth token\` or SKILLMEAT_AUTH_TOKEN.`
      : `Not logged in to ${registry}. Run \`${login}\`, or give a token with \`skillmeat auth token\` or SKILLMEAT_AUTH_TOKEN.`,
  );
}
