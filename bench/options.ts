/** Command-line flags of `npm run bench`, the timings of each mode, and which databases it runs on. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (children run from here, so `--import tsx` and relative paths resolve). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Timings {
  warmupSeconds: number;
  durationSeconds: number;
  rounds: number;
  connections: number;
  /** How long the SQL floor replays each request's statements (sql-floor.ts). */
  floorSeconds: number;
}

export interface Options {
  quick: boolean;
  /** Full mode only: RSS of our server at minute 1 and 3 of sustained W2 load. */
  soak: boolean;
  /** Instead of the matrix: CPU-profile our server (auth on, JWT), or the one --only process, under W2 and W3 or the --workloads. */
  profile: boolean;
  /** Only these server processes (a partial run: printed, never written to docs/). */
  only: string[] | null;
  /** Only these workloads (a partial run too). */
  workloads: string[] | null;
  /** Instead of measuring: start this one server and leave it running for another load generator. */
  serve: string | null;
  /** The matrices to run, in order: SQLite (a seeded file) and/or PostgreSQL (a seeded database per run). */
  databases: BenchDatabase[];
  /**
   * The PostgreSQL server to run on (any database of it; the bench creates its own and drops them):
   * --database, else BENCH_DATABASE_URL, else TEST_DATABASE_URL where the full run needs one.
   */
  postgresUrl: string | null;
  /** Whether docs/benchmarks.md is written: a full run over both databases, not narrowed. */
  writes: boolean;
  timings: Timings;
  command: string;
}

export type BenchDatabase = 'sqlite' | 'postgres';

export const PROCESS_NAMES = ['ours-zero', 'ours-auth', 'ours-auth-w2', 'yoga', 'yoga-jit', 'apollo', 'mercurius', 'constant'];
const WORKLOAD_NAMES = ['W1', 'W2', 'W3', 'W4', 'C1', 'C2', 'C3', 'C4'];
/** What --serve can start: every process but the constant one (it serves ours-zero's W2 answer). */
export const SERVABLE = PROCESS_NAMES.filter((name) => name !== 'constant');

const USAGE = [
  `usage: npm run bench -- [--quick] [--soak] [--profile] [--only ${PROCESS_NAMES.join(',')}] [--workloads ${WORKLOAD_NAMES.join(',')}]`,
  `                        [--database postgres://user@host:port/db]`,
  `       npm run bench -- --serve ${SERVABLE.join('|')}`,
  '',
  '  --quick     a smoke run (one short round), printed only',
  '  --database  run on PostgreSQL instead of SQLite: the bench creates a database bench_<random>_seed',
  '              on that server, seeds it, copies it (CREATE DATABASE … TEMPLATE) for each server start',
  '              and drops them all at the end; the URL names any database the user may connect to',
  '              and needs CREATEDB. Alone it runs the PostgreSQL matrix only and writes nothing.',
  '  --soak      the full run with RSS under 3 minutes of load; like the plain full run it measures SQLite',
  '              and then PostgreSQL (--database, else $BENCH_DATABASE_URL, else $TEST_DATABASE_URL)',
  '              and writes docs/benchmarks.md',
].join('\n');

/** The comma-separated value after `flag`, each item one of `allowed`; null when the flag is absent. */
function listFlag(argv: readonly string[], flag: string, allowed: readonly string[]): string[] | null {
  const index = argv.indexOf(flag);
  if (index < 0) return null;
  const items = (argv[index + 1] ?? '').split(',').filter(Boolean);
  if (items.length === 0) throw new Error(`${flag} needs a comma-separated list\n${USAGE}`);
  const wrong = items.find((item) => !allowed.includes(item));
  if (wrong) throw new Error(`${flag}: unknown ${wrong} (one of ${allowed.join(', ')})`);
  return items;
}

/** Whether `value` is a postgres:// (or postgresql://) URL with a host. */
function isPostgresUrl(value: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/** The --database URL: postgres:// or postgresql://, with a host. */
function postgresFlag(argv: readonly string[]): string | null {
  const index = argv.indexOf('--database');
  if (index < 0) return null;
  const value = argv[index + 1] ?? '';
  if (!isPostgresUrl(value)) throw new Error(`--database needs a postgres:// URL, got "${value}"\n${USAGE}`);
  return value;
}

export function parseOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Options {
  const known = new Set(['--quick', '--soak', '--profile']);
  const valued = new Set(['--only', '--workloads', '--serve', '--database']);
  const unknown = argv.filter((a, i) => !known.has(a) && !valued.has(a) && !valued.has(argv[i - 1] ?? ''));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]}\n${USAGE}`);
  const only = listFlag(argv, '--only', PROCESS_NAMES);
  const workloads = listFlag(argv, '--workloads', WORKLOAD_NAMES);
  if (only?.includes('constant') && !only.includes('ours-zero')) {
    throw new Error('--only constant needs ours-zero too (the constant body is its W2 answer)');
  }
  const serve = listFlag(argv, '--serve', SERVABLE);
  if (serve && (serve.length > 1 || argv.some((a) => a !== '--serve' && a !== serve[0]))) {
    throw new Error(`--serve takes one server and no other option\n${USAGE}`);
  }
  const quick = argv.includes('--quick');
  const soak = argv.includes('--soak');
  const profile = argv.includes('--profile');
  if (quick && soak) throw new Error('--soak needs the full mode (it runs for over 3 minutes); drop --quick');
  const database = postgresFlag(argv);
  if (database && profile) throw new Error('--profile runs on SQLite only; drop --database');
  // A full run, not narrowed, writes docs/benchmarks.md, and that has both databases; so does --soak.
  const full = !quick && !only && !workloads && !profile && !serve;
  const both = full && (soak || !database);
  let postgresUrl = database;
  if (both) {
    postgresUrl = database ?? (env.BENCH_DATABASE_URL?.trim() || null) ?? (env.TEST_DATABASE_URL?.trim() || null);
    if (!postgresUrl) {
      throw new Error(
        'the full run measures SQLite and PostgreSQL and needs a PostgreSQL server: pass --database postgres://postgres@127.0.0.1:5432/test ' +
          '(any database there; the bench makes and drops its own) or set BENCH_DATABASE_URL or TEST_DATABASE_URL; ' +
          `for SQLite alone, narrow the run (--quick, --only, --workloads)\n${USAGE}`,
      );
    }
    if (!isPostgresUrl(postgresUrl)) throw new Error(`BENCH_DATABASE_URL / TEST_DATABASE_URL must be a postgres:// URL, got "${postgresUrl}"`);
  }
  return {
    quick,
    soak,
    profile,
    only,
    workloads,
    serve: serve?.[0] ?? null,
    databases: both ? ['sqlite', 'postgres'] : database ? ['postgres'] : ['sqlite'],
    postgresUrl,
    writes: both,
    // Quick is a smoke run for CI: one short round after a short warm-up.
    timings: quick
      ? { warmupSeconds: 1, durationSeconds: 3, rounds: 1, connections: 32, floorSeconds: 1 }
      : { warmupSeconds: 2, durationSeconds: 5, rounds: 3, connections: 32, floorSeconds: 2 },
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}

/** The counted identity whose statements are the peers': zero-auth through the resolvers (SKILLMEAT_SQL_EXECUTION=false). */
export const PEERS_IDENTITY = 'peers';
