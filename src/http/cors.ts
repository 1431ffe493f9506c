/**
 * The CORS policy, as Yoga's `cors` option: off unless SKILLMEAT_CORS_ORIGINS names origins. A
 * request from a named origin gets Access-Control-Allow-Origin set to exactly that origin, with
 * credentials allowed; any other origin gets no CORS header at all, so its page can neither
 * read an answer nor pass a preflight (which every JSON POST and every GraphQL GET that passes
 * src/plugins/csrf-prevention.ts needs). Never `*`: config refuses it.
 *
 * The direct path (src/http/graphql-post.ts) only answers requests without an Origin, which need
 * no CORS header; a request with one always goes through Yoga and this policy.
 */
import type { CORSOptions } from 'graphql-yoga';

export function corsPolicy(origins: readonly string[]): (request: Request) => CORSOptions {
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return { origin, credentials: true, methods: ['GET', 'POST'], maxAge: 600 };
  };
}
