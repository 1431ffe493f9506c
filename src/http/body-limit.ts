/**
 * Request bodies are read here, on the socket, before GraphQL sees them: over the limit is a
 * 413 (a declared Content-Length is checked up front, a chunked body counted as it arrives),
 * otherwise the whole body is handed to Yoga as a Buffer on `req.body`, which its node adapter
 * takes as is instead of wrapping the socket in a web ReadableStream (a measurable part of
 * every request's cost).
 *
 * A 413 is sent while the client is usually still sending. Closing the connection at once
 * would make the client's next write fail (EPIPE, or a reset that can discard the answer
 * before it is read: `fetch failed` instead of a 413), so the connection lingers: the rest of
 * the body is read and thrown away, and the connection is closed when it ends, or once
 * `drainBytes` more have arrived or `drainMs` have passed, whichever comes first.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface BodyLimitOptions {
  /** Largest body served, in bytes. */
  limit?: number;
  /** After a 413, at most this many more bytes of the body are read and discarded. */
  drainBytes?: number;
  /** After a 413, the connection is closed after at most this long. */
  drainMs?: number;
}

const DEFAULTS: Required<BodyLimitOptions> = { limit: MAX_BODY_BYTES, drainBytes: 8 * MAX_BODY_BYTES, drainMs: 10_000 };

/** Answers 413 now; ends the response (and so closes the connection) once the rest of the body is drained or the bounds are hit. */
function tooLarge(req: IncomingMessage, res: ServerResponse, options: Required<BodyLimitOptions>): void {
  const body = JSON.stringify({
    errors: [{ message: `Request body is larger than ${options.limit} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
  });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  if (req.complete) {
    res.end(body);
    return;
  }
  res.write(body);
  let drained = 0;
  const close = () => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', close);
    req.off('close', close);
    if (!res.writableEnded) res.end();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > options.drainBytes) close();
  };
  const timer = setTimeout(close, options.drainMs);
  timer.unref();
  req.on('data', onData);
  req.once('end', close);
  req.once('close', close);
  // A client that goes away meanwhile is not an error of ours.
  req.on('error', () => {});
  req.resume();
}

/** The body, or null as soon as it grows past `limit` (the rest is left unread); rejects if the client goes away. */
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

/** Wraps `next` (Yoga's node listener) so it only ever sees bodies within the limit, already read. */
export function withBodyLimit(next: RequestListener, bodyLimit: BodyLimitOptions = {}): RequestListener {
  const options = { ...DEFAULTS, ...bodyLimit };
  return (req, res) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > options.limit) return tooLarge(req, res, options);
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) return next(req, res);
    readLimited(req, options.limit).then(
      (body) => {
        if (body === null) return tooLarge(req, res, options);
        (req as IncomingMessage & { body?: Buffer }).body = body;
        next(req, res);
      },
      () => {
        if (!res.headersSent) res.writeHead(400).end();
      },
    );
  };
}
