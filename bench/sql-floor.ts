/**
 * The SQL floor: what the statements of one request cost on their own. The statements that one
 * steady-state request ran (captured with their parameters by sql-count.ts) are replayed in a
 * fresh process pinned to the server's core (bench/sql-floor-child.ts), through the driver every
 * server here uses (createDatabase: Kysely's SQLite driver over the prepared-statement cache),
 * one request's statements after another, and that process's CPU time per request is read. It
 * runs once in every pass of the bench, beside the servers' rounds, so a host that changes speed
 * during the run moves the floor as it moves the servers; the median of the passes is reported.
 *
 * A server that runs these statements cannot spend less CPU time on the request than this, so a
 * peer's CPU time per request ÷ our floor is the highest ours ÷ that peer could reach were
 * everything else ours does free. The report (report.ts) sets it against the 3 × Apollo target.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './measure.js';
import { PEERS_IDENTITY, ROOT } from './options.js';
import { runChild, SERVER_CORE } from './processes.js';
import type { ReplayStatement, SqlCount } from './sql-count.js';

/** One request's statements, to replay. */
export interface FloorSet {
  identity: string;
  workload: string;
  statements: ReplayStatement[];
}

/** One replay run of a set (one child process). */
export interface FloorRun {
  identity: string;
  workload: string;
  statements: number;
  /** CPU time (user + system, the whole replaying process) per replayed request, in µs: the median of five slices. */
  cpuUs: number;
  /** How many times the request's statements were replayed in the measured slices. */
  iterations: number;
}

/** A set's runs, one per pass of the bench, combined as the servers' rounds are: the median. */
export interface SqlFloor extends FloorRun {
  /** Each run's CPU µs per request, in pass order. */
  runs: number[];
}

export function combineFloorRuns(passes: readonly FloorRun[][]): SqlFloor[] {
  const first = passes[0] ?? [];
  return first.map((set) => {
    const runs = passes.map((pass) => pass.find((r) => r.identity === set.identity && r.workload === set.workload));
    if (runs.some((r) => r === undefined)) throw new Error(`the SQL floor of ${set.identity} ${set.workload} is missing from a pass`);
    const found = runs as FloorRun[];
    return {
      ...set,
      cpuUs: median(found.map((r) => r.cpuUs)),
      iterations: found.reduce((sum, r) => sum + r.iterations, 0),
      runs: found.map((r) => r.cpuUs),
    };
  });
}

/** What the child is given (as JSON). */
export interface FloorInput {
  db: string;
  seconds: number;
  sets: FloorSet[];
}

/** The identities whose statements are replayed: ours with the JWT (the targets' row) and the peers' (zero-auth through the resolvers). */
const FLOOR_IDENTITIES: readonly string[] = ['JWT', PEERS_IDENTITY];
const FLOOR_WORKLOADS: readonly string[] = ['W2', 'W3'];

export function floorSets(counts: readonly SqlCount[]): FloorSet[] {
  return counts
    .filter((c) => FLOOR_IDENTITIES.includes(c.identity) && FLOOR_WORKLOADS.includes(c.workload))
    .map((c) => ({ identity: c.identity, workload: c.workload, statements: c.replay }));
}

/** Replays each set for `seconds` in all, after a warm-up of a quarter of `seconds` shared by the sets, on a fresh copy of `seeded`. */
export async function measureSqlFloor(seeded: string, tmp: string, sets: FloorSet[], seconds: number): Promise<FloorRun[]> {
  const db = join(tmp, 'sql-floor.db');
  for (const suffix of ['-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  copyFileSync(seeded, db);
  const inputPath = join(tmp, 'sql-floor-input.json');
  const outputPath = join(tmp, 'sql-floor-output.json');
  rmSync(outputPath, { force: true });
  const input: FloorInput = { db, seconds, sets };
  writeFileSync(inputPath, JSON.stringify(input));
  await runChild('the SQL floor replay', [process.execPath, '--import', 'tsx', 'bench/sql-floor-child.ts', inputPath, outputPath], {
    cwd: ROOT,
    cpus: String(SERVER_CORE),
    budgetMs: sets.length * (seconds * 1.25 + 5) * 1000 + 30_000,
  });
  return JSON.parse(readFileSync(outputPath, 'utf8')) as FloorRun[];
}
