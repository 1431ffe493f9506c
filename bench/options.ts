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
}

export interface Options {
  quick: boolean;
  /** Full mode only: RSS of our server at minute 1 and 3 of sustained W2 load. */
  soak: boolean;
  /** Instead of the matrix: CPU-profile our server (auth on, JWT) under W2 and W3 and summarise. */
  profile: boolean;
  timings: Timings;
  command: string;
}

const USAGE = 'usage: npm run bench -- [--quick] [--soak] [--profile]';

export function parseOptions(argv: readonly string[]): Options {
  const known = new Set(['--quick', '--soak', '--profile']);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]}\n${USAGE}`);
  const quick = argv.includes('--quick');
  const soak = argv.includes('--soak');
  if (quick && soak) throw new Error('--soak needs the full mode (it runs for over 3 minutes); drop --quick');
  return {
    quick,
    soak,
    profile: argv.includes('--profile'),
    // Quick is a smoke run for CI: one short round after a short warm-up.
    timings: quick
      ? { warmupSeconds: 1, durationSeconds: 3, rounds: 1, connections: 32 }
      : { warmupSeconds: 5, durationSeconds: 10, rounds: 3, connections: 32 },
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}
