/** Describing the identity `me` returned, in the words whoami and the greetings use. */
import type { CliViewerQuery } from './operations/generated/graphql.js';

export type Me = CliViewerQuery['me'];

/** "Ada <ada@example.com>", or what kind of identity it is when there is no user. */
export function describeUser(me: Me): string {
  if (!me.user) {
    const kinds: Record<string, string> = {
      ZERO_AUTH: 'the local admin (zero-auth)',
      API_KEY: 'an API key',
      ENTERPRISE_PAT: 'the Enterprise PAT',
    };
    return kinds[me.authMethod] ?? 'no user';
  }
  const { name, email, id } = me.user;
  if (name && email) return `${name} <${email}>`;
  return name ?? email ?? `user ${id}`;
}
