/**
 * One structured log line per HTTP request, whoever answers it (GraphQL, /health, /version, the
 * OAuth endpoints, a 413 from the body limit), with a request id echoed as X-Request-Id. It logs
 * the method, path (never the query string), status and time: no header value, no body.
 */
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Logger } from '../logger.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's X-Request-Id when it is a safe token, a fresh UUID otherwise. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0]!;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

export function withRequestLog(logger: Logger, next: RequestListener): RequestListener {
  return (req, res) => {
    const at = process.hrtime.bigint();
    const reqId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', reqId);
    res.once('close', () => {
      const failed = res.statusCode >= 500;
      // At level warn and above only failures are written: no line is built for the rest.
      if (!failed && !logger.isLevelEnabled('info')) return;
      const line = {
        reqId,
        method: req.method,
        path: pathOf(req.url),
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - at) / 1e5) / 10,
        // The client went away before the whole answer was sent.
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (failed) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    });
    next(req, res);
  };
}
