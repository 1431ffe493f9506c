/**
 * CSRF prevention for /graphql: only requests a browser cannot send from another site without a
 * CORS preflight reach GraphQL (and CORS is off unless origins are named, src/http/cors.ts).
 * In zero-auth every caller is the local admin, so a cross-site form that reached the endpoint
 * would own the registry.
 *
 * The rule is the one of @graphql-yoga/plugin-csrf-prevention and Apollo Server's csrfPrevention:
 * a request is safe when its Content-Type is not one of the three a simple request may carry
 * (application/x-www-form-urlencoded, multipart/form-data, text/plain) or when it carries a
 * header only a script can set. On top of that a POST must be JSON (what Yoga's JSON parser
 * takes), so forms, multipart and text/plain are 415 UNSUPPORTED_MEDIA_TYPE, and a GET that is
 * neither is 403 CSRF_PREFLIGHT_REQUIRED. It runs in onRequestParse, before any parser reads the
 * body and before the context (auth) or the operation runs.
 *
 * The direct path (src/http/graphql-post.ts) only takes `application/json` POSTs, which pass this
 * rule; everything else it hands to Yoga, so this plugin sees it.
 */
import type { Plugin } from 'graphql-yoga';
import { preflightRequired, unsupportedMediaType } from '../errors.js';

/** The Content-Types a cross-site form or a no-cors fetch can send (Fetch: CORS-safelisted request header). */
const SIMPLE_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/**
 * Headers only a script can set, and only after a preflight cross-site; any non-empty one makes
 * a GET acceptable. Authorization is not among them: a browser attaches cached HTTP Basic
 * credentials to cross-site requests by itself.
 */
export const PREFLIGHT_HEADERS = ['GraphQL-Require-Preflight', 'X-GraphQL-Yoga-CSRF', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name', 'X-API-Key'] as const;

/** The media types Yoga's JSON request parser takes, matched the way it matches them. */
const JSON_MEDIA_TYPES = ['application/json', 'application/graphql+json'];

function isJsonBody(contentType: string | null): boolean {
  const first = contentType?.split(',')[0];
  return first !== undefined && JSON_MEDIA_TYPES.some((type) => first === type || first.startsWith(`${type};`));
}

/** Whether a browser would preflight a request with this Content-Type (its essence: type/subtype, lowercased). */
function isPreflightedContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return !SIMPLE_MEDIA_TYPES.has(essence);
}

export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const contentType = request.headers.get('content-type');
      if (request.method === 'POST') {
        if (!isJsonBody(contentType)) throw unsupportedMediaType();
        return;
      }
      // Yoga answers every other method 405 without running anything (HEAD, the one other simple method, included).
      if (request.method !== 'GET' || isPreflightedContentType(contentType)) return;
      if (PREFLIGHT_HEADERS.some((name) => (request.headers.get(name) ?? '') !== '')) return;
      throw preflightRequired(PREFLIGHT_HEADERS);
    },
  };
}
