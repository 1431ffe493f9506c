/**
 * Request bodies are read here, on the socket, before GraphQL sees them: over the limit is a
 * 413 (a declared Content-Length is checked up front, a chunked body counted as it arrives),
 * otherwise the whole body is handed to Yoga as a Buffer on `req.body`, which its node adapter
 * takes as is instead of wrapping the socket in a web ReadableStream (a measurable part of
 * every request's cost).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(res: ServerResponse, limit: number): void {
  const body = JSON.stringify({ errors: [{ message: `Request body is larger than ${limit} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
}

/** The body, or null as soon as it grows past `limit` (the rest is not read); rejects if the client goes away. */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection before sending the whole body'));
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', reject);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      req.off('error', reject);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}

/** Wraps `next` (Yoga's node listener) so it only ever sees bodies within `limit`, already read. */
export function withBodyLimit(next: RequestListener, limit = MAX_BODY_BYTES): RequestListener {
  return (req, res) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) return tooLarge(res, limit);
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) return next(req, res);
    readLimited(req, limit).then(
      (body) => {
        if (body === null) return tooLarge(res, limit);
        (req as IncomingMessage & { body?: Buffer }).body = body;
        next(req, res);
      },
      () => {
        if (!res.headersSent) res.writeHead(400).end();
      },
    );
  };
}
