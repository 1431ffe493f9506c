/**
 * `skillmeat auth whoami [--json]`: who the active credential is on the registry (a `me` query),
 * the access token's expiry (a JWT's exp, decoded for display only; a personal access token's
 * from the server's list), and where the credential came from (env, OS keyring or file).
 */
import { commandContext, type RegistryOption } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { request, type AuthHeaders } from '../graphql.js';
import { CliPersonalAccessTokensDocument, CliViewerDocument, type CliPersonalAccessTokensQuery } from '../operations/generated/graphql.js';
import { activeCredential, notLoggedIn, type ActiveCredential } from '../session.js';
import { print } from '../terminal.js';
import { describeUser, type Me } from '../viewer.js';

export interface WhoamiOptions extends RegistryOption {
  json?: boolean;
}

const MAX_PAGES = 10;

/** A personal access token's expiry from the server's list (null: never; undefined: unknown). */
async function patExpiry(registry: string, token: string, headers: AuthHeaders): Promise<string | null | undefined> {
  let after: string | null = null;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const { personalAccessTokens }: CliPersonalAccessTokensQuery = await request(registry, CliPersonalAccessTokensDocument, { after }, headers);
      const match = personalAccessTokens.edges.find(({ node }) => node.revokedAt == null && token.startsWith(node.prefix));
      if (match) return match.node.expiresAt ?? null;
      if (!personalAccessTokens.pageInfo.hasNextPage) return undefined;
      after = personalAccessTokens.pageInfo.endCursor ?? null;
    }
  } catch {
    // The list is a nicety; whoami still answers without it.
  }
  return undefined;
}

function sourceOf(credential: ActiveCredential) {
  const { source } = credential;
  if (source.kind === 'env') return { source: 'env', variable: source.variable, type: credential.type };
  if (source.kind === 'file') return { source: 'file', path: source.path, type: credential.type };
  if (source.kind === 'keyring') return { source: 'keyring', store: source.label, type: credential.type };
  return { source: 'none', type: credential.type };
}

function relative(iso: string): string {
  const minutes = Math.round((Date.parse(iso) - Date.now()) / 60_000);
  if (minutes < 0) return 'expired';
  if (minutes < 120) return `in ${minutes} min`;
  if (minutes < 48 * 60) return `in ${Math.round(minutes / 60)} h`;
  return `in ${Math.round(minutes / 1440)} days`;
}

export async function whoami(options: WhoamiOptions): Promise<void> {
  const ctx = commandContext(options);
  const { registry } = ctx;
  const credential = await activeCredential(ctx);
  let me: Me;
  try {
    ({ me } = await request(registry, CliViewerDocument, {}, credential.headers));
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.AUTH) {
      throw credential.type === 'none' ? notLoggedIn(registry) : notLoggedIn(registry, error.message.replace(/^The server rejected the credential: /, ''));
    }
    throw error;
  }

  let expiresAt: string | null | undefined = credential.expiresAt?.toISOString();
  if (me.authMethod === 'PERSONAL_ACCESS_TOKEN' && credential.token) expiresAt = await patExpiry(registry, credential.token, credential.headers);
  if (credential.type === 'none') expiresAt = null;
  const from = sourceOf(credential);
  const result = {
    registry,
    user: me.user ? { id: me.user.id, name: me.user.name ?? null, email: me.user.email ?? null } : null,
    role: me.role,
    teamId: me.teamId ?? null,
    scopes: me.scopes,
    authMethod: me.authMethod,
    /** ISO 8601; null when the credential does not expire (or there is none); absent when unknown. */
    expiresAt: expiresAt === undefined ? undefined : expiresAt,
    credential: from,
  };
  if (options.json) {
    print(JSON.stringify(result, null, 2));
    return;
  }
  const expiry =
    expiresAt === undefined
      ? 'unknown'
      : expiresAt === null
        ? credential.type === 'none' ? '—' : 'never'
        : `${expiresAt} (${relative(expiresAt)}${credential.type === 'session' ? ', renewed automatically' : ''})`;
  const where = from.source === 'env' ? `env ${from.variable}` : from.source === 'file' ? `file ${from.path}` : from.source === 'keyring' ? `keyring: ${from.store}` : 'none (this server needs no credential)';
  const rows: [string, string][] = [
    ['Registry', registry],
    ['User', describeUser(me)],
    ['Role', me.role],
    ['Team', me.teamId ?? '—'],
    ['Scopes', me.scopes.length ? me.scopes.join(' ') : '—'],
    ['Auth method', me.authMethod],
    ['Token expiry', expiry],
    ['Credential', where],
  ];
  print(rows.map(([label, value]) => `${`${label}:`.padEnd(14)}${value}`).join('\n'));
}
