/** Command-line flags of `npm run bench` and the timings of each mode. */
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
  timings: Timings;
  command: string;
}

export const PROCESS_NAMES = ['ours-zero', 'ours-auth', 'ours-auth-w2', 'yoga', 'yoga-jit', 'apollo', 'mercurius', 'constant'];
const WORKLOAD_NAMES = ['W1', 'W2', 'W3', 'W4'];
/** What --serve can start: every process but the constant one (it serves ours-zero's W2 answer). */
export const SERVABLE = PROCESS_NAMES.filter((name) => name !== 'constant');

const USAGE = [
  `usage: npm run bench -- [--quick] [--soak] [--profile] [--only ${PROCESS_NAMES.join(',')}] [--workloads W1,W2,W3,W4]`,
  `       npm run bench -- --serve ${SERVABLE.join('|')}`,
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

export function parseOptions(argv: readonly string[]): Options {
  const known = new Set(['--quick', '--soak', '--profile']);
  const valued = new Set(['--only', '--workloads', '--serve']);
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
  if (quick && soak) throw new Error('--soak needs the full mode (it runs for over 3 minutes); drop --quick');
  return {
    quick,
    soak,
    profile: argv.includes('--profile'),
    only,
    workloads,
    serve: serve?.[0] ?? null,
    // Quick is a smoke run for CI: one short round after a short warm-up.
    timings: quick
      ? { warmupSeconds: 1, durationSeconds: 3, rounds: 1, connections: 32, floorSeconds: 1 }
      : { warmupSeconds: 5, durationSeconds: 10, rounds: 3, connections: 32, floorSeconds: 5 },
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}

/** The counted identity whose statements are the peers': zero-auth through the resolvers (SKILLMEAT_SQL_EXECUTION=false). */
export const PEERS_IDENTITY = 'peers';
