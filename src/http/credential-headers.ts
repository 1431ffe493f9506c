/**
 * One credential per request, checked on the socket before any strategy runs: a request with
 * more than one Authorization or X-API-Key header is 400 invalid_request (errors.ts,
 * duplicateCredentialHeader). Node's parser keeps only the first Authorization and joins
 * repeated X-API-Key values with ", ", so what the strategies would see is not what was sent;
 * the raw header list is what counts here.
 */
import type { IncomingMessage, RequestListener } from 'node:http';
import { duplicateCredentialHeader } from '../errors.js';

const CREDENTIAL_HEADERS = new Map([
  ['authorization', 'Authorization'],
  ['x-api-key', 'X-API-Key'],
]);

/** The credential header `req` carries more than once, by its canonical name; null when none. */
export function repeatedCredentialHeader(req: Pick<IncomingMessage, 'rawHeaders'>): string | null {
  const seen = new Set<string>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!CREDENTIAL_HEADERS.has(name)) continue;
    if (seen.has(name)) return CREDENTIAL_HEADERS.get(name)!;
    seen.add(name);
  }
  return null;
}

/** Wraps `next` so it only sees requests with at most one of each credential header. */
export function withSingleCredentialHeaders(next: RequestListener): RequestListener {
  return (req, res) => {
    const repeated = repeatedCredentialHeader(req);
    if (repeated === null) return next(req, res);
    const error = duplicateCredentialHeader(repeated);
    const http = error.extensions.http as { status: number; headers: Record<string, string> };
    const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
    // The body of a rejected request is not read; the connection is closed after the answer.
    res.writeHead(http.status, {
      ...http.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  };
}
