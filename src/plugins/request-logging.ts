/**
 * One structured log line per request, with a request id (echoed as X-Request-Id). It logs the
 * method, path, status and time: never the query string, the body or any header value.
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

export function useRequestLogging(logger: Logger): Plugin {
  const started = new WeakMap<Request, { at: bigint; id: string }>();
  return {
    onRequest({ request }) {
      started.set(request, { at: process.hrtime.bigint(), id: requestIdOf(request) });
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (!start) return;
      response.headers.set('x-request-id', start.id);
      const ms = Number(process.hrtime.bigint() - start.at) / 1e6;
      const line = {
        reqId: start.id,
        method: request.method,
        path: new URL(request.url).pathname,
        status: response.status,
        ms: Math.round(ms * 10) / 10,
      };
      if (response.status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    },
  };
}
