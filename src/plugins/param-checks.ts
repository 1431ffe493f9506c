/**
 * The shape of a request's GraphQL params, checked before anything reads them:
 * - a GET whose `variables` or `extensions` URL parameter is not JSON is HTTP 400 BAD_REQUEST
 *   (Yoga's GET parser calls JSON.parse on them unguarded, which made it a 500);
 * - `variables` or `extensions` nested deeper than MAX_PARAM_DEPTH is HTTP 400 BAD_REQUEST.
 *   JSON.parse takes any depth, but what comes after walks values recursively (the SQL path's
 *   plan key is a JSON.stringify, variable coercion, the log), and 20,000 levels overflowed the
 *   stack. The check itself is a loop, not a recursion.
 *
 * The depth check is an onParams hook, so it runs on both ways in: Yoga's fetch layer (GET, SSE,
 * any POST Yoga parses) and the direct JSON POST path (src/http/graphql-post.ts), which calls the
 * same hooks. It is listed before every other onParams hook.
 */
import type { Plugin } from 'graphql-yoga';
import { badRequest } from '../errors.js';

/** The deepest `variables` or `extensions` accepted; the params object itself is level 1. */
export const MAX_PARAM_DEPTH = 64;

const JSON_PARAMS = ['variables', 'extensions'] as const;

/** Whether `value` holds objects or arrays more than `max` levels deep (a scalar is level 0). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: [object, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > max) return true;
    for (const child of Object.values(container)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** The first of the JSON URL parameters that is present and does not parse. */
function unparsableParam(url: URL): string | undefined {
  return JSON_PARAMS.find((name) => {
    const text = url.searchParams.get(name);
    if (!text) return false;
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });
}

export function useParamChecks(): Plugin {
  return {
    onRequestParse({ request, url, requestParser, setRequestParser }) {
      if (request.method !== 'GET' || !requestParser) return;
      setRequestParser(async (req) => {
        try {
          return await requestParser(req);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw badRequest(`The "${unparsableParam(url) ?? 'variables'}" URL parameter is not valid JSON.`);
        }
      });
    },
    onParams({ params }) {
      for (const name of JSON_PARAMS) {
        if (nestedDeeperThan(params[name], MAX_PARAM_DEPTH)) {
          throw badRequest(`"${name}" is nested more than ${MAX_PARAM_DEPTH} levels deep.`);
        }
      }
    },
  };
}
