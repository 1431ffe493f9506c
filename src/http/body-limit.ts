/**
 * Request bodies over the limit get 413 before GraphQL sees them. A declared Content-Length is
 * checked up front; a chunked body is read with a running count and handed on only if it fits.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(res: ServerResponse, limit: number): void {
  const body = JSON.stringify({ errors: [{ message: `Request body is larger than ${limit} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Wraps `next` (Yoga's node listener); `viaFetch` serves an already-read body through Yoga's
 * fetch API, used only for chunked uploads.
 */
export function withBodyLimit(
  next: RequestListener,
  viaFetch: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>,
  limit = MAX_BODY_BYTES,
): RequestListener {
  return (req, res) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined) {
      if (Number(declared) > limit) return tooLarge(res, limit);
      return next(req, res);
    }
    if (req.headers['transfer-encoding'] === undefined) return next(req, res);
    readLimited(req, limit).then(
      (body) => (body === null ? tooLarge(res, limit) : viaFetch(req, res, body)),
      () => {
        if (!res.headersSent) res.writeHead(400).end();
      },
    );
  };
}
