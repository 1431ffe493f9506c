/**
 * `skillmeat auth logout`: revokes the stored session on the server when it can (the logOut
 * mutation with the access token, refreshed first if needed) and removes the stored credential.
 * Both stores are cleared: the OS keyring entry and the file's entry.
 * Idempotent: nothing stored is not an error, and an unreadable credentials file is deleted
 * (the documented way out of a corrupt one).
 */
import { commandContext, type RegistryOption } from '../context.js';
import { CorruptCredentialsFile, type StoredCredential, type StoredSession } from '../credentials.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { bearer, request } from '../graphql.js';
import { CliLogOutDocument } from '../operations/generated/graphql.js';
import { REFRESH_MARGIN_MS, refreshStoredSession, sessionExpiry, type SessionContext } from '../session.js';
import { say } from '../terminal.js';

type Revocation = { done: true } | { done: false; ended: boolean; reason: string };

/** Revokes a stored session on the server, if it can. */
async function revoke(ctx: SessionContext, stored: StoredSession): Promise<Revocation> {
  try {
    const session = sessionExpiry(stored).getTime() - Date.now() < REFRESH_MARGIN_MS ? await refreshStoredSession(ctx, stored) : stored;
    await request(ctx.registry, CliLogOutDocument, { refreshToken: session.refreshToken }, bearer(session.accessToken));
    return { done: true };
  } catch (error) {
    // The server refusing the session's tokens means it has ended already.
    const ended = error instanceof CliError && error.exitCode === ExitCode.AUTH;
    return { done: false, ended, reason: error instanceof Error ? error.message : String(error) };
  }
}

export async function logout(options: RegistryOption): Promise<void> {
  const ctx = commandContext(options);
  const { registry, store, env } = ctx;
  if (env.authToken !== undefined) say('Note: SKILLMEAT_AUTH_TOKEN is set in the environment; logout does not touch it. Unset it to stop using it.');
  let stored: StoredCredential | undefined;
  try {
    stored = store.get(registry);
  } catch (error) {
    if (!(error instanceof CorruptCredentialsFile)) throw error;
    store.removeFromKeyring(registry);
    if (error.where === 'keyring') {
      say(`The keyring entry for ${registry} was unreadable, so it has been removed. Log in again where you need to.`);
      return;
    }
    store.deleteFile();
    say(`The credentials file ${store.file} was unreadable, so it has been deleted (for every registry). Log in again where you need to.`);
    return;
  }
  if (!stored) {
    say(`Not logged in to ${registry}; nothing to do.`);
    return;
  }
  if (stored.type === 'token') {
    store.remove(registry);
    say(`Removed the stored token for ${registry}. A personal access token stays valid until it expires or is revoked (revokePersonalAccessToken).`);
    return;
  }
  const revocation = await revoke(ctx, stored);
  store.remove(registry);
  if (revocation.done) say(`Logged out of ${registry}: the session was revoked on the server and the stored credentials removed.`);
  else if (revocation.ended) say(`Logged out of ${registry}: the session had already ended on the server; the stored credentials are removed.`);
  else say(`Removed the stored credentials for ${registry}, but the session could not be revoked on the server: ${revocation.reason}`);
}
