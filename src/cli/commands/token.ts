/**
 * `skillmeat auth token [PAT]`: stores a personal access token (or another Bearer token the
 * server accepts) for a registry, after checking it with a `me` query. The token comes from
 * the argument, or from stdin when the argument is omitted or `-` (a hidden prompt on a TTY).
 */
import { commandContext, type RegistryOption } from '../context.js';
import { CliError, ExitCode, authError, usageError } from '../exit-codes.js';
import { bearer, request } from '../graphql.js';
import { CliViewerDocument } from '../operations/generated/graphql.js';
import { readHiddenLine, readStdin, say, warn } from '../terminal.js';
import { describeUser } from '../viewer.js';

async function readToken(argument: string | undefined): Promise<string> {
  if (argument !== undefined && argument !== '-') return argument.trim();
  if (process.stdin.isTTY) return (await readHiddenLine('Paste the token (input is hidden) and press Enter: ')).trim();
  return (await readStdin('token')).trim();
}

export async function storeToken(argument: string | undefined, options: RegistryOption): Promise<void> {
  const ctx = commandContext(options);
  const { registry, store, env } = ctx;
  const token = await readToken(argument);
  if (token === '') throw usageError('No token given: pass it as an argument, or pipe it on stdin (skillmeat auth token < token.txt).');
  if (/\s/.test(token)) throw usageError('The token contains spaces or line breaks; give exactly one token.');
  store.read(); // a broken credentials file is reported before anything else happens

  let me;
  try {
    ({ me } = await request(registry, CliViewerDocument, {}, bearer(token)));
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.AUTH) {
      throw authError(`${registry} rejected the token (${error.message.replace(/^The server rejected the credential: /, '')}); nothing was stored.`);
    }
    throw error;
  }
  if (me.authMethod === 'ZERO_AUTH') warn(`${registry} runs without authentication, so it did not check the token.`);
  const where = store.set(registry, { type: 'token', token, savedAt: new Date().toISOString() });
  say(`Token saved for ${registry}: ${describeUser(me)} (${me.role}, ${me.authMethod}).`);
  say(`Credentials saved in ${store.describe(where)}.`);
  if (env.authToken !== undefined) warn('SKILLMEAT_AUTH_TOKEN is set: it overrides the stored credentials until you unset it.');
}
