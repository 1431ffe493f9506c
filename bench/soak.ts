/**
 * Two extras around our server: the SKILLMEAT_WORKERS=2 line (checked to really be a cluster,
 * never faked), and the soak: RSS at minute 1 and minute 3 of sustained W2 load (--soak).
 */
import { readFileSync } from 'node:fs';
import { runLoad } from './measure.js';
import type { Timings } from './options.js';
import type { Results } from './report.js';
import { groupPids } from './cpu-time.js';
import { rssMiB, startServer, type Running, type StartOptions } from './servers.js';
import { verify, WORKLOADS } from './workloads.js';

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** Our server's processes in the two-worker server's group; call while it runs. */
export function serverProcessCount(server: Running): number {
  // Only our server's processes (a tool such as esbuild's service may share the group).
  return groupPids(server.child.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/main.ts');
    } catch {
      return false;
    }
  }).length;
}

/** The SKILLMEAT_WORKERS table, from the fewest server processes any pass of the two-worker server ran as. */
export function workersLine(processes: number, results: Results): string {
  if (processes < 3) {
    results.delete('ours-jwt-w2');
    return `SKILLMEAT_WORKERS=2: not supported yet — the server ran as ${processes} process(es), not a primary and 2 workers; no figures reported.`;
  }
  const one = results.get('ours-jwt');
  const two = results.get('ours-jwt-w2');
  const row = (label: string, byWorkload: typeof one) =>
    `| ${label} | ${(['W2', 'W3'] as const).map((id) => (byWorkload?.get(id) ? fmt(byWorkload.get(id)!.rps) : '—')).join(' | ')} |`;
  return [
    `Ours with auth on and the JWT. Two workers ran as ${processes} server processes (a node:cluster primary and its workers) on one port.`,
    '',
    '| SKILLMEAT_WORKERS | W2 req/s | W3 req/s |',
    '|---|--:|--:|',
    row('1 (server on CPU 0)', one),
    row('2 (server on CPUs 0–1)', two),
    '',
    'With two cores, the two workers share CPU 1 with the load generator, so the 2-worker figure understates what two free cores give.',
  ].join('\n');
}

export async function runSoak(
  start: StartOptions,
  headers: Record<string, string>,
  timings: Timings,
  tmp: string,
  log: (line: string) => void,
): Promise<string> {
  const server = await startServer('ours-auth', start);
  try {
    const target = { name: 'soak', url: server.url, headers, role: 'TEAM_MEMBER', serverGroup: server.child.pid };
    const body = await verify(server.url, WORKLOADS.W2, headers, { role: 'TEAM_MEMBER' });
    log('soak: 185 s of W2 with the JWT; RSS sampled at 60 s and 180 s');
    const samples: number[] = [];
    const timers = [60_000, 180_000].map((ms) => setTimeout(() => samples.push(rssMiB(server.child.pid)), ms));
    try {
      const load = { ...timings, warmupSeconds: 0, durationSeconds: 185, rounds: 1 };
      const [round] = (await runLoad([{ target, workload: WORKLOADS.W2 }], [body], load, tmp))[0]!;
      if (samples.length < 2) throw new Error('soak: the RSS samples were not taken');
      const [m1, m3] = samples as [number, number];
      const growth = ((m3 - m1) / m1) * 100;
      log(`soak: RSS ${m1.toFixed(1)} MiB at 1 min, ${m3.toFixed(1)} MiB at 3 min (${growth.toFixed(1)} %)`);
      return [
        'Ours with auth on, W2 with the JWT, 32 connections for 185 s, one process.',
        '',
        '| RSS at minute 1 | RSS at minute 3 | growth | req/s over the run |',
        '|--:|--:|--:|--:|',
        `| ${m1.toFixed(1)} MiB | ${m3.toFixed(1)} MiB | ${growth.toFixed(1)} % (target < 10 %) | ${fmt(round?.rps ?? 0)} |`,
      ].join('\n');
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  } finally {
    await server.stop();
  }
}
