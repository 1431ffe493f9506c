/**
 * How each server under test is started: as its own child process on loopback, on its own copy
 * of the seeded SQLite file (or, with `postgres`, its own copy of the seeded PostgreSQL database),
 * pinned to CPU 0 (two workers: CPUs 0 and 1), and waited for.
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './options.js';
import type { BenchPostgres } from './postgres.js';
import { freePort, LOAD_CORE, SERVER_CORE, spawnChild, stopChild, waitReady, type Child } from './processes.js';

export type ProcessId = 'ours-zero' | 'ours-auth' | 'ours-auth-w2' | 'yoga' | 'yoga-jit' | 'apollo' | 'mercurius' | 'constant';

export interface Running {
  id: ProcessId;
  child: Child;
  /** The /graphql URL. */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  seeded: string;
  tmp: string;
  /** When set, every server runs on its own copy of this seeded PostgreSQL database instead of `seeded`. */
  postgres?: BenchPostgres;
  /** Our server's environment with auth on. */
  authEnv: Record<string, string>;
  /** For the constant server: the file with the body to answer. */
  constantBody?: string;
  /** Extra node flags (--cpu-prof …). */
  nodeArgs?: string[];
}

const tsx = (nodeArgs: string[], script: string, ...args: string[]) => [process.execPath, ...nodeArgs, '--import', 'tsx', script, ...args];

export async function startServer(id: ProcessId, options: StartOptions): Promise<Running> {
  const port = await freePort();
  // A fresh copy each start (a pass runs each server again), so no server reads another's writes (W4).
  // The constant server reads no data.
  let db = '';
  let dropCopy = async () => {};
  if (id === 'constant') {
    // Nothing to copy.
  } else if (options.postgres) {
    const copy = await options.postgres.copy(id);
    db = copy.url;
    dropCopy = copy.drop;
  } else {
    db = join(options.tmp, `${id}.db`);
    // No WAL of an earlier run stays beside it.
    for (const suffix of ['-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
    copyFileSync(options.seeded, db);
  }
  const nodeArgs = options.nodeArgs ?? [];
  const ours = {
    DATABASE_URL: db,
    PORT: String(port),
    HOST: '127.0.0.1',
    SKILLMEAT_LOG_LEVEL: 'warn',
  };
  const peer = (script: string, ...extra: string[]) => tsx(nodeArgs, script, '--port', String(port), '--db', db, ...extra);
  let command: string[];
  let env: Record<string, string> = {};
  switch (id) {
    case 'ours-zero':
      command = tsx(nodeArgs, 'src/main.ts');
      env = ours;
      break;
    case 'ours-auth':
      command = tsx(nodeArgs, 'src/main.ts');
      env = { ...ours, ...options.authEnv };
      break;
    case 'ours-auth-w2':
      command = tsx(nodeArgs, 'src/main.ts');
      env = { ...ours, ...options.authEnv, SKILLMEAT_WORKERS: '2' };
      break;
    case 'yoga':
      command = peer('bench/servers/yoga.ts');
      break;
    case 'yoga-jit':
      command = peer('bench/servers/yoga.ts', '--jit');
      break;
    case 'apollo':
      command = peer('bench/servers/apollo.ts');
      break;
    case 'mercurius':
      command = peer('bench/servers/mercurius.ts');
      break;
    case 'constant':
      if (!options.constantBody) throw new Error('the constant server needs a body');
      command = tsx(nodeArgs, 'bench/servers/constant.ts', '--port', String(port), '--body', options.constantBody);
      break;
  }
  let child: Child;
  try {
    child = spawnChild(id, command, {
      cwd: ROOT,
      cpus: id === 'ours-auth-w2' ? `${SERVER_CORE},${LOAD_CORE}` : String(SERVER_CORE),
      env: { ...env, NODE_ENV: 'production' },
    });
  } catch (error) {
    await dropCopy();
    throw error;
  }
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitReady(url, child);
  } catch (error) {
    await stopChild(child, 2_000);
    await dropCopy();
    throw error;
  }
  return {
    id,
    child,
    url,
    stop: async () => {
      const how = await stopChild(child);
      await dropCopy();
      if (how !== '0') console.error(`bench: ${id} exited with ${how}`);
    },
  };
}

/** Resident set size of one process, in MiB (VmRSS from /proc). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
