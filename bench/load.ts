/**
 * The load generator, run as its own process (pinned to its own CPU by bench/run.ts):
 * `node --import tsx bench/load.ts <jobs.json>`. For each job in turn (one per workload of a
 * server): warms up, then runs the rounds with autocannon. Writes every job's rounds to `out`.
 * Any error, timeout, non-2xx answer or body that differs from the verified one makes it exit
 * non-zero.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { coreTicks, groupPids, processCpuMs, stealPercent } from './cpu-time.js';
import { looksLikeCreated } from './workloads.js';

export interface LoadJob {
  /** For messages: the server and workload. */
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** For reads: the exact body every answer must be. */
  expectBody: string | null;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  rounds: number;
  /** The server's process group (a cluster's primary and workers); each round reads its CPU time. */
  serverGroup: number;
  /** The CPU the server is pinned to (its steal is read), or null when it is not pinned. */
  serverCore: number | null;
}

export interface LoadJobs {
  jobs: LoadJob[];
  /** Where the rounds of every job are written, as RoundResult[][]. */
  out: string;
}

export interface RoundResult {
  /** When the round ran, in µs of the monotonic clock (the one V8's CPU profiles use). */
  fromUs: number;
  toUs: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time the server's processes used during the round (null where /proc cannot be read). */
  serverCpuMs: number | null;
  /** Time the hypervisor took from the server's core (or from all cores, unpinned) during the round, in %. */
  stealPct: number | null;
}

/** Where `got` first differs from `want`, with some text of each around it. */
export function firstDifference(want: string, got: string): string {
  let at = 0;
  while (at < want.length && at < got.length && want[at] === got[at]) at++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 120), at + 120));
  return `the first wrong body (${got.length} bytes, the checked one ${want.length}) differs at byte ${at}:\n    checked: …${around(want)}…\n    got:     …${around(got)}…`;
}

/** The first body of this job that was not the expected one (for the error message). */
let wrongBody: string | null = null;

async function once(job: LoadJob, seconds: number) {
  const expected = job.expectBody;
  return autocannon({
    url: job.url,
    method: 'POST',
    headers: job.headers,
    body: job.body,
    connections: job.connections,
    duration: seconds,
    timeout: 10,
    verifyBody:
      expected === null
        ? looksLikeCreated
        : (body: string) => {
            if (body === expected) return true;
            wrongBody ??= body;
            return false;
          },
  });
}

async function run(job: LoadJob): Promise<RoundResult[]> {
  if (job.warmupSeconds > 0) await once(job, job.warmupSeconds);
  const rounds: RoundResult[] = [];
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  for (let i = 0; i < job.rounds; i++) {
    // Read per round: a cluster's workers are all up by now, and one that was replaced counts too.
    const pids = groupPids(job.serverGroup);
    const cpuBefore = processCpuMs(pids);
    const ticksBefore = coreTicks(job.serverCore);
    const fromUs = nowUs();
    const result = await once(job, job.durationSeconds);
    const toUs = nowUs();
    const cpuAfter = processCpuMs(pids);
    const stealPct = stealPercent(ticksBefore, coreTicks(job.serverCore));
    const bad = result.errors + result.timeouts + result.non2xx + result.mismatches;
    if (bad > 0) {
      throw new Error(
        `${job.name}, round ${i + 1}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ` +
          `${result.mismatches} wrong bodies out of ${result.requests.total} requests` +
          (wrongBody !== null && job.expectBody !== null ? `; ${firstDifference(job.expectBody, wrongBody)}` : ''),
      );
    }
    if (result.requests.total === 0) throw new Error(`${job.name}, round ${i + 1}: no request completed`);
    rounds.push({
      fromUs,
      toUs,
      rps: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      serverCpuMs: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
      stealPct,
    });
  }
  return rounds;
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: load.ts <jobs.json>');
  const { jobs, out } = JSON.parse(readFileSync(path, 'utf8')) as LoadJobs;
  const results: RoundResult[][] = [];
  for (const job of jobs) {
    const rounds = await run(job);
    results.push(rounds);
    console.error(`       load: ${job.name}: ${rounds.map((r) => r.rps.toFixed(0)).join(', ')} req/s`);
  }
  writeFileSync(out, JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(`load: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
