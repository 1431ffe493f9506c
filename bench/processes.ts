/**
 * Child processes of the bench: each in its own process group (so a server's cluster workers go
 * with it), optionally pinned to CPUs with taskset, all killed on stop, on error, on SIGINT and
 * at exit. Nothing is left running.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** The last few KB of stdout and stderr, for error messages. */
  output(): string;
}

const children = new Set<Child>();

/** Where pinned processes run: servers on CPU 0 (two workers on 0 and 1), the load generator on CPU 1. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

/** Pinning is used when taskset exists and there are at least two cores. */
export const PINNING: { enabled: boolean; why: string } = (() => {
  const cores = availableParallelism();
  const taskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  if (taskset.error || taskset.status !== 0) return { enabled: false, why: 'taskset not found (util-linux); processes not pinned' };
  if (cores < 2) return { enabled: false, why: `only ${cores} core; processes not pinned` };
  return { enabled: true, why: `taskset: server on CPU ${SERVER_CORE}, load generator on CPU ${LOAD_CORE} (${cores} cores)` };
})();

export interface SpawnOptions {
  env?: Record<string, string>;
  /** A taskset CPU list ("0", "1", "0,1"); ignored when pinning is off. */
  cpus?: string;
  cwd?: string;
  /** Pass the child's stderr through to ours (progress lines). */
  echo?: boolean;
}

export function spawnChild(name: string, command: string[], options: SpawnOptions = {}): Child {
  const argv = PINNING.enabled && options.cpus ? ['taskset', '-c', options.cpus, ...command] : command;
  const proc = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    detached: true,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (options.echo) proc.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  let done = false;
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      resolve(signal ?? String(code));
    });
    proc.once('error', (error) => {
      done = true;
      tail += `\n${error.message}`;
      resolve('spawn-error');
    });
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${argv.join(' ')}`);
  const child: Child = { name, pid: proc.pid, process: proc, exited, hasExited: () => done, output: () => tail };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/**
 * Runs a child to its end: stopped once `budgetMs` has passed, and an error carrying its output
 * unless it exits 0 in time.
 */
export async function runChild(name: string, command: string[], options: SpawnOptions & { budgetMs: number }): Promise<void> {
  const child = spawnChild(name, command, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, 2_000);
  }, options.budgetMs);
  const how = await child.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`${name} took over ${Math.round(options.budgetMs / 1000)} s and was stopped:\n${child.output()}`);
  if (how !== '0') throw new Error(`${name} failed (exit ${how}):\n${child.output()}`);
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the group, then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 8_000): Promise<string> {
  if (!child.hasExited()) signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  const how = await child.exited;
  clearTimeout(timer);
  // Stragglers in the group (cluster workers) go too.
  signalGroup(child, 'SIGKILL');
  return how;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, 3_000)));
}

function killAllNow(): void {
  for (const child of children) signalGroup(child, 'SIGKILL');
}

let installed = false;

/** On SIGINT/SIGTERM: stop every child, then exit; at exit: SIGKILL whatever is left. */
export function installCleanup(onSignal: () => Promise<void> = async () => {}): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping every child process`);
      void Promise.race([
        Promise.all([stopAll(), onSignal()]),
        new Promise((resolve) => setTimeout(resolve, 5_000)),
      ]).finally(() => process.exit(130));
    });
  }
}

/** A free loopback port (asked of the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` with a trivial GraphQL POST until it answers 200; fails if the child dies or 30 s pass. */
export async function waitReady(url: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
        signal: AbortSignal.timeout(2_000),
      });
      await response.arrayBuffer();
      // A 401 means the server is up but wants a credential: ready as well.
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms:\n${child.output()}`);
}
