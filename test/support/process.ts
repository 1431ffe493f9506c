/**
 * The server as a real child process (`node --import tsx src/main.ts`, what `npm start` runs),
 * on a free loopback port, with its stdout log lines and stderr collected. Every child started
 * here is remembered so a test file can kill the ones still running in afterEach/afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port the kernel just gave us on 127.0.0.1, released again for the child to bind. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  /** Every stdout line, in order. */
  stdout: string[];
  stderr(): string;
  /** Resolves with the first stdout line (parsed as JSON) that matches, or rejects after `ms`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited, or rejects after `ms`. */
  exited(ms?: number): Promise<Exit>;
  running(): boolean;
}

const started = new Set<ServerProcess>();

/**
 * The environment of the child: ours without any SKILLMEAT_*, CLERK_* or DATABASE_URL that
 * would change what is tested, plus `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SKILLMEAT_|CLERK_|DATABASE_URL$|PORT$|HOST$)/.test(name)),
  );
  return { ...base, ...env };
}

/**
 * Spawns the server; does not wait for it to listen (see startServerProcess). `via: 'npm'`
 * runs `npm start` instead. Each runs in a process group of its own, so cleanup also reaches
 * what it started (cluster workers, the processes under npm) even if they outlive it.
 */
export function spawnServer(env: Record<string, string>, port = 0, via: 'node' | 'npm' = 'node'): ServerProcess {
  const [command, args] = via === 'npm' ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdout: string[] = [];
  const stderrChunks: string[] = [];
  const listeners = new Set<() => void>();
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    stdout.push(...lines.filter((l) => l !== ''));
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderrChunks.push(chunk));

  let exit: Exit | null = null;
  const exitPromise = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      started.delete(proc);
      for (const listener of listeners) listener();
      resolve(exit);
    }),
  );

  const parsed = (line: string): Record<string, unknown> | null => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };

  const proc: ServerProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout,
    stderr: () => stderrChunks.join(''),
    running: () => exit === null,
    waitForLog: (match, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          for (const line of stdout) {
            const json = parsed(line);
            if (json && match(json)) {
              done();
              resolve(json);
              return;
            }
          }
          if (exit !== null) {
            done();
            reject(new Error(`server exited (${JSON.stringify(exit)}) before the log line; stderr: ${proc.stderr()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching log line within ${ms} ms; stdout:\n${stdout.join('\n')}\nstderr: ${proc.stderr()}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    exited: (ms = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server still running after ${ms} ms`)), ms);
        void exitPromise.then((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      }),
  };
  started.add(proc);
  if (child.pid !== undefined) groups.add(child.pid);
  return proc;
}

export interface ServerProcessOptions {
  /** DATABASE_URL: a SQLite path (required, so no test touches ./data). */
  databaseUrl: string;
  /** How to start it: `node --import tsx src/main.ts` (default) or `npm start`. */
  via?: 'node' | 'npm';
  logLevel?: string;
  env?: Record<string, string>;
}

/** Spawns the server on a free loopback port and waits for its "listening" log line. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnServer(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      SKILLMEAT_LOG_LEVEL: options.logLevel ?? 'info',
      ...options.env,
    },
    port,
    options.via,
  );
  await proc.waitForLog((line) => line.msg === 'listening');
  return proc;
}

const groups = new Set<number>();

/**
 * SIGKILLs every child started here that is still running, and every process left in their
 * process groups (for afterEach/afterAll).
 */
export async function killServerProcesses(): Promise<void> {
  const alive = [...started];
  for (const proc of alive) proc.child.kill('SIGKILL');
  await Promise.all(alive.map((proc) => proc.exited(5_000).catch(() => undefined)));
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // ESRCH: nothing left in the group.
    }
    groups.delete(group);
  }
}

export interface HeldRequest {
  /** Resolves once the server has read the headers and answered `100 Continue`. */
  continued: Promise<void>;
  /** Sends the body; resolves with the response. */
  finish(): Promise<{ status: number; body: string }>;
}

/**
 * A POST that is provably in flight: the headers go out with `Expect: 100-continue`, and the
 * body only when `finish()` is called. Once `continued` resolves the server has accepted the
 * connection and dispatched the request, which now waits for its body.
 */
export function heldRequest(port: number, path: string, body: string): HeldRequest {
  const payload = Buffer.from(body);
  const req = request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': payload.length,
      expect: '100-continue',
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  // Without a listener an early failure would be an unhandled rejection; finish() reports it.
  response.catch(() => {});
  const continued = new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve());
    req.once('error', reject);
  });
  req.flushHeaders();
  return {
    continued,
    finish: () => {
      req.end(payload);
      return response;
    },
  };
}

/**
 * Whether a TCP connection to 127.0.0.1:port is refused (true) or accepted (false). A reset
 * while connecting counts as refused: the kernel had queued the connection when the listening
 * socket closed, so it was never served.
 */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') resolve(true);
      else reject(error);
    });
  });
}
