/**
 * A scripted stand-in for a SkillMeat server's device login endpoints, for the timing and error
 * paths of the CLI's RFC 8628 client that a real server cannot produce on demand (slow_down,
 * expired_token, an interval of 1 s): GET /version says `local`, POST /oauth/device/code hands
 * out a fixed code, and POST /oauth/token answers from a script and records when it was polled.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TokenAnswer = 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant' | { tokens: { access_token: string; refresh_token: string; expires_in: number } };

export interface FakeDeviceServer {
  url: string;
  /** When each token poll arrived (ms since epoch), and the form it carried. */
  polls: { at: number; form: URLSearchParams }[];
  /** When the device code was requested. */
  startedAt: number | null;
  close(): Promise<void>;
}

export interface FakeDeviceOptions {
  /** Answers for successive token polls; the last one repeats. */
  script: TokenAnswer[];
  interval?: number;
  expiresIn?: number;
}

export async function startFakeDeviceServer(options: FakeDeviceOptions): Promise<FakeDeviceServer> {
  const polls: FakeDeviceServer['polls'] = [];
  const state: { startedAt: number | null } = { startedAt: null };
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const route = `${req.method} ${req.url}`;
      if (route === 'GET /version') return send(200, { version: 'fake', authMode: 'local', database: 'none' });
      if (route === 'POST /oauth/device/code') {
        state.startedAt = Date.now();
        return send(200, {
          device_code: 'fake-device-code',
          user_code: 'FAKE-CODE',
          verification_uri: `${url()}/device`,
          verification_uri_complete: `${url()}/device?user_code=FAKE-CODE`,
          expires_in: options.expiresIn ?? 600,
          interval: options.interval ?? 1,
        });
      }
      if (route === 'POST /oauth/token') {
        polls.push({ at: Date.now(), form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        const answer = options.script[Math.min(polls.length - 1, options.script.length - 1)]!;
        if (typeof answer === 'string') return send(400, { error: answer, error_description: `scripted ${answer}` });
        return send(200, { ...answer.tokens, token_type: 'Bearer' });
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: url(),
    polls,
    get startedAt() {
      return state.startedAt;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
