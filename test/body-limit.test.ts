/**
 * The body limit's 413 reaches a client that is still sending: the server reads and discards
 * the rest of the body before it closes the connection (a client writing into a closed
 * connection gets EPIPE or a reset, and fetch reports `fetch failed` instead of the 413), and
 * it stops lingering after `drainBytes` more bytes or `drainMs`. A real node:http server on
 * loopback with small limits, and raw sockets so each byte sent and the close are observed.
 */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { withBodyLimit, type BodyLimitOptions } from '../src/http/body-limit.js';

const LIMIT = 1024;
let server: Server | undefined;

async function listen(options: BodyLimitOptions): Promise<number> {
  server = createServer(
    withBodyLimit((req, res) => {
      const body = (req as typeof req & { body?: Buffer }).body;
      const text = `got ${body?.length ?? 0}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': text.length }).end(text);
    }, options),
  );
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  server = undefined;
});

/** A raw connection that records what it reads, whether and when the server closed, and any error. */
interface Conversation {
  socket: Socket;
  received: () => string;
  /** Resolves with what was read once the server has closed its side. */
  closed: Promise<string>;
  errors: Error[];
  /** Whether the server had closed its side when this was called. */
  serverClosed: () => boolean;
}

async function open(port: number): Promise<Conversation> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((done, fail) => socket.once('connect', done).once('error', fail));
  let text = '';
  let ended = false;
  const errors: Error[] = [];
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', (error) => errors.push(error));
  const closed = new Promise<string>((done) => {
    socket.once('end', () => {
      ended = true;
      done(text);
    });
    socket.once('close', () => done(text));
  });
  return { socket, received: () => text, closed, errors, serverClosed: () => ended };
}

const write = (socket: Socket, data: string | Buffer) => new Promise<void>((done, fail) => socket.write(data, (error) => (error ? fail(error) : done())));

/** Waits (bounded) until `ready()` holds. */
async function until(ready: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

/** The status line and body of a complete HTTP/1.1 response with a Content-Length. */
function parse(text: string): { status: number; headers: string; body: string } | null {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return null;
  const headers = text.slice(0, split);
  const length = Number(/content-length: (\d+)/i.exec(headers)?.[1]);
  const body = text.slice(split + 4);
  if (body.length < length) return null;
  return { status: Number(headers.split(' ')[1]), headers, body };
}

const chunk = (size: number) => Buffer.alloc(size, 'x');
const chunked = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

describe('413 with a client still sending', () => {
  it('declared too large: the 413 comes at once, the rest of the body is read, then the connection closes', async () => {
    const port = await listen({ limit: LIMIT, drainBytes: 1024 * 1024, drainMs: 5_000 });
    const total = 256 * 1024;
    const talk = await open(port);
    await write(talk.socket, `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${total}\r\n\r\n`);
    await write(talk.socket, chunk(LIMIT + 1));
    await until(() => parse(talk.received()) !== null, 'the 413');
    const answer = parse(talk.received())!;
    expect(answer.status).toBe(413);
    expect(answer.headers).toMatch(/connection: close/i);
    expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });

    // The client goes on sending what it declared; the server is still reading.
    for (let sent = LIMIT + 1; sent < total; sent += 16 * 1024) {
      expect(talk.serverClosed()).toBe(false);
      await write(talk.socket, chunk(Math.min(16 * 1024, total - sent)));
    }
    await talk.closed;
    expect(talk.errors).toEqual([]);
    expect(talk.received()).toBe(answer.headers + '\r\n\r\n' + answer.body);
  });

  it('chunked, found too large while counting: the same', async () => {
    const port = await listen({ limit: LIMIT, drainBytes: 1024 * 1024, drainMs: 5_000 });
    const talk = await open(port);
    await write(talk.socket, `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
    await write(talk.socket, chunked(chunk(LIMIT + 1)));
    await until(() => parse(talk.received()) !== null, 'the 413');
    expect(parse(talk.received())!.status).toBe(413);
    for (let i = 0; i < 16; i++) {
      expect(talk.serverClosed()).toBe(false);
      await write(talk.socket, chunked(chunk(16 * 1024)));
    }
    await write(talk.socket, '0\r\n\r\n');
    await talk.closed;
    expect(talk.errors).toEqual([]);
  });

  it('stops reading after drainBytes more bytes: the connection is closed', async () => {
    const port = await listen({ limit: LIMIT, drainBytes: 64 * 1024, drainMs: 5_000 });
    const talk = await open(port);
    await write(talk.socket, `POST /graphql HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n`);
    let sent = 0;
    // Bounded: socket buffers hold a few MiB at most; the server stops at 64 KiB past the limit.
    while (!talk.serverClosed() && talk.errors.length === 0 && !talk.socket.destroyed) {
      if (sent > 64 * 1024 * 1024) throw new Error('the server went on reading past its drain limit');
      await write(talk.socket, chunked(chunk(16 * 1024))).catch(() => {});
      sent += 16 * 1024;
    }
    expect(parse(talk.received())?.status).toBe(413);
  });

  it('stops waiting after drainMs: a client that stalls is disconnected', async () => {
    const port = await listen({ limit: LIMIT, drainBytes: 1024 * 1024, drainMs: 200 });
    const talk = await open(port);
    await write(talk.socket, `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-length: ${100 * LIMIT}\r\n\r\n`);
    await write(talk.socket, chunk(LIMIT + 1));
    const read = await Promise.race([talk.closed, new Promise<null>((done) => setTimeout(() => done(null), 5_000))]);
    expect(read).not.toBeNull();
    expect(parse(read!)?.status).toBe(413);
  });

  it('a body within the limit, declared or chunked, is served whole', async () => {
    const port = await listen({ limit: LIMIT });
    const declared = await open(port);
    await write(declared.socket, `POST /graphql HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: ${LIMIT}\r\n\r\n`);
    await write(declared.socket, chunk(LIMIT));
    expect(parse(await declared.closed)).toMatchObject({ status: 200, body: `got ${LIMIT}` });

    const streamed = await open(port);
    await write(streamed.socket, `POST /graphql HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n`);
    await write(streamed.socket, chunked(chunk(LIMIT / 2)));
    await write(streamed.socket, chunked(chunk(LIMIT / 2)));
    await write(streamed.socket, '0\r\n\r\n');
    expect(parse(await streamed.closed)).toMatchObject({ status: 200, body: `got ${LIMIT}` });
  });
});
