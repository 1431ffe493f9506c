/**
 * Measuring one server: check its answer to every planned request first, then run the load
 * generator once, in its own (pinned) process, over all of them in turn, and take the median
 * of each one's rounds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadJob, LoadJobs, RoundResult } from './load.js';
import { ROOT, type Timings } from './options.js';
import { LOAD_CORE, PINNING, runChild, SERVER_CORE } from './processes.js';
import { JSON_HEADERS, requestBody, verify, type Workload } from './workloads.js';

export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  /** The server's CPU time per request, in µs (null where /proc could not be read). */
  cpuUs: number | null;
  rounds: RoundResult[];
}

export interface Target {
  /** For messages: which server, which credential. */
  name: string;
  /** The /graphql URL. */
  url: string;
  headers: Record<string, string>;
  /** The role `me` must report (W1). */
  role: string;
  /** Whose TEAM rows the identity reads (the C checks); null or left out: every team's (admins). */
  team?: string | null;
  /** The server's process group, whose CPU time is read around each round. */
  serverGroup: number;
}

export interface Planned {
  target: Target;
  workload: Workload;
}

type LoadTimings = Pick<Timings, 'warmupSeconds' | 'durationSeconds' | 'rounds' | 'connections'>;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

let batch = 0;

/** Runs bench/load.ts over `planned` (reads expect `bodies[i]` byte for byte); returns each one's rounds. */
export async function runLoad(planned: Planned[], bodies: (string | null)[], timings: LoadTimings, tmp: string): Promise<RoundResult[][]> {
  const id = ++batch;
  const jobs: LoadJob[] = planned.map(({ target, workload }, i) => ({
    name: `${target.name} ${workload.id}`,
    url: target.url,
    headers: { ...JSON_HEADERS, ...target.headers },
    body: requestBody(workload),
    expectBody: workload.mutation ? null : bodies[i]!,
    connections: timings.connections,
    warmupSeconds: timings.warmupSeconds,
    durationSeconds: timings.durationSeconds,
    rounds: timings.rounds,
    serverGroup: target.serverGroup,
    serverCore: PINNING.enabled ? SERVER_CORE : null,
  }));
  const spec: LoadJobs = { jobs, out: join(tmp, `load-${id}.out.json`) };
  const specPath = join(tmp, `load-${id}.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  await runChild('the load generator', [process.execPath, '--import', 'tsx', 'bench/load.ts', specPath], {
    cwd: ROOT,
    cpus: String(LOAD_CORE),
    echo: true,
    budgetMs: jobs.length * (timings.warmupSeconds + timings.rounds * (timings.durationSeconds + 3)) * 1000 + 60_000,
  });
  return JSON.parse(readFileSync(spec.out, 'utf8')) as RoundResult[][];
}

/**
 * Verifies every planned request (HTTP 200, no errors, the expected items), then measures
 * them in order: the reads first, then the mutations (each verified just before its load, since
 * checking W4 already writes an artifact, which would change the totalCounts of the reads).
 * Returns the measurements and the verified bodies, in the order planned.
 */
export async function measureAll(planned: Planned[], timings: Timings, tmp: string): Promise<{ results: Measurement[]; bodies: string[] }> {
  const results: Measurement[] = new Array<Measurement>(planned.length);
  const bodies: string[] = new Array<string>(planned.length);
  for (const mutation of [false, true]) {
    const indexes = planned.flatMap((p, i) => (p.workload.mutation === mutation ? [i] : []));
    if (indexes.length === 0) continue;
    const group = indexes.map((i) => planned[i]!);
    const groupBodies: string[] = [];
    for (const { target, workload } of group) {
      groupBodies.push(await verify(target.url, workload, target.headers, { role: target.role, ...(target.team !== undefined ? { team: target.team } : {}) }));
    }
    const rounds = await runLoad(group, groupBodies, timings, tmp);
    indexes.forEach((i, k) => {
      results[i] = summarise(rounds[k]!);
      bodies[i] = groupBodies[k]!;
    });
  }
  return { results, bodies };
}

/** The medians of rounds (of one run of the load generator, or of several passes). */
export function summarise(rounds: RoundResult[]): Measurement {
  return {
    rps: median(rounds.map((x) => x.rps)),
    p50: median(rounds.map((x) => x.p50)),
    p99: median(rounds.map((x) => x.p99)),
    cpuUs: rounds.every((x) => x.serverCpuMs !== null) ? median(rounds.map((x) => (x.serverCpuMs! * 1000) / x.requests)) : null,
    rounds,
  };
}
