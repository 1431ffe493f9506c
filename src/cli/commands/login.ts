/**
 * `skillmeat auth login`: asks GET /version how the server authenticates; zero-auth needs no
 * login (exit 0), clerk cannot do device login (exit 3), local runs the device flow and stores
 * the session. A session stored before for the same registry is revoked on the way (best effort).
 */
import { commandContext, type RegistryOption } from '../context.js';
import { deviceLogin } from '../device-login.js';
import { apiError, authError } from '../exit-codes.js';
import { bearer, request } from '../graphql.js';
import { fetchVersion } from '../http.js';
import { CliLogOutDocument, CliViewerDocument } from '../operations/generated/graphql.js';
import { say, warn } from '../terminal.js';
import { describeUser } from '../viewer.js';

export interface LoginOptions extends RegistryOption {
  browser: boolean;
  timeout?: number | undefined;
}

export async function login(options: LoginOptions): Promise<void> {
  const ctx = commandContext(options);
  const { registry, store, env } = ctx;
  const { authMode } = await fetchVersion(registry);
  if (authMode === 'zero-auth') {
    say(`${registry} runs without authentication (zero-auth): no login is required. Every request acts as LOCAL_ADMIN.`);
    return;
  }
  if (authMode === 'clerk') {
    throw authError(
      `${registry} signs people in with an outside identity provider (clerk), so device login is not available. ` +
        'Get a token from that provider and run `skillmeat auth token`, or set SKILLMEAT_AUTH_TOKEN.',
    );
  }
  if (authMode !== 'local') throw apiError(`${registry} reports an auth mode this CLI does not know: "${authMode}".`);

  // A broken credentials file is reported before the person goes through the browser.
  const previous = store.get(registry);
  const session = await deviceLogin({ registry, browser: options.browser, hasDisplay: env.hasDisplay, timeoutSeconds: options.timeout });
  const where = store.set(registry, session);

  const headers = bearer(session.accessToken);
  if (previous?.type === 'session') {
    await request(registry, CliLogOutDocument, { refreshToken: previous.refreshToken }, headers).catch(() => undefined);
  }
  const viewer = await request(registry, CliViewerDocument, {}, headers).catch(() => null);
  say(viewer ? `Logged in to ${registry} as ${describeUser(viewer.me)} (${viewer.me.role}).` : `Logged in to ${registry}.`);
  say(`Credentials saved in ${store.describe(where)}.`);
  if (env.authToken !== undefined) warn('SKILLMEAT_AUTH_TOKEN is set: it overrides the stored credentials until you unset it.');
}
