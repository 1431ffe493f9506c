/**
 * The skillmeat CLI as a real child process (`node bin/skillmeat.js …`), with HOME and
 * SKILLMEAT_CONFIG_DIR in a temp folder of the test's own and none of our SKILLMEAT_* variables
 * leaking in. Every child is remembered so a test file can kill the ones still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'bin', 'skillmeat.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout + stderr, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited, or rejects after `ms`. */
  result(ms?: number): Promise<CliResult>;
}

export interface CliOptions {
  /** Added to (or, with undefined, removed from) the child's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is closed at once (not a TTY). */
  input?: string;
  cwd?: string;
}

const running = new Set<CliProcess>();

/** Ours, without anything that would change what the CLI does (SKILLMEAT_*, a display). */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SKILLMEAT_|DISPLAY$|WAYLAND_DISPLAY$)/.test(name)),
  );
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Any program, with the same environment, bookkeeping and cleanup as the CLI (e.g. script(1) around it). */
export function startProgram(command: string, args: string[], options: CliOptions = {}): CliProcess {
  const started = Date.now();
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env ?? {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  child.stdin!.on('error', () => {}); // the CLI may exit before reading its stdin
  child.stdin!.end(options.input ?? '');

  const exit = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(proc);
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    }),
  );
  let exited = false;
  void exit.then(() => (exited = true));

  const proc: CliProcess = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = (stdout + stderr).match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (exited) {
            done();
            reject(new Error(`the CLI exited before printing ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    result: (ms = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the CLI still runs after ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)), ms);
        void exit.then((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      }),
  };
  running.add(proc);
  return proc;
}

export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  return startProgram(process.execPath, [CLI, ...args], options);
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: CliOptions = {}, ms?: number): Promise<CliResult> {
  return startCli(args, options).result(ms);
}

/** Runs another program to completion with `env` added to the cleaned environment. */
export function runProgram(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return startProgram(command, args, { env }).result();
}

/** SIGKILLs every CLI child still running (for afterEach). */
export async function killCliProcesses(): Promise<void> {
  const alive = [...running];
  for (const proc of alive) proc.child.kill('SIGKILL');
  await Promise.all(alive.map((proc) => proc.result(5_000).catch(() => undefined)));
}

export interface TempHome {
  /** Used as HOME. */
  home: string;
  /** Used as SKILLMEAT_CONFIG_DIR (not created: the CLI makes it). */
  configDir: string;
  credentialsFile: string;
  /** HOME and SKILLMEAT_CONFIG_DIR for the child, plus `extra`. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  remove(): void;
}

export function tempHome(): TempHome {
  const home = mkdtempSync(join(tmpdir(), 'skillmeat-cli-'));
  const configDir = join(home, 'config');
  return {
    home,
    configDir,
    credentialsFile: join(configDir, 'credentials.json'),
    env: (extra = {}) => ({ HOME: home, SKILLMEAT_CONFIG_DIR: configDir, ...extra }),
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** A JWT-shaped token (not signed by anyone) whose exp is `secondsFromNow` away. */
export function unsignedJwt(secondsFromNow: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part({ sub: 'nobody', exp: Math.floor(Date.now() / 1000) + secondsFromNow })}.c2ln`;
}

/** Whether the output looks like a stack trace leaked. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+\(.*:\d+:\d+\)|\n\s+at [\w.<>]+ \(|node:internal/.test(text);
}

/** A loopback port nothing listens on (the kernel just gave it to us and we let it go). */
export async function closedPort(): Promise<number> {
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

export const ADMIN = join(REPO_ROOT, 'bin', 'skillmeat-admin.js');

/**
 * Runs the real skillmeat-admin bin to completion on `databaseUrl` (see databaseUrlOf), with
 * `env` (SKILLMEAT_*, CLERK_*) as the server's configuration and `input` on stdin.
 */
export function runAdmin(
  args: string[],
  options: { databaseUrl: string; env?: Record<string, string | undefined>; input?: string },
  ms?: number,
): Promise<CliResult> {
  return startProgram(process.execPath, [ADMIN, ...args], {
    env: { CLERK_JWKS_URL: undefined, CLERK_ISSUER: undefined, CLERK_AUDIENCE: undefined, HOST: undefined, PORT: undefined, ...options.env, DATABASE_URL: options.databaseUrl },
    ...(options.input === undefined ? {} : { input: options.input }),
  }).result(ms);
}
