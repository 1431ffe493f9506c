/**
 * `npm run bench -- --profile`: our server with auth on runs W2, then W3, with the JWT under
 * `node --cpu-prof`; `--only <process>` profiles that process instead (a peer, with no
 * credential) and `--workloads` picks the workloads. The .cpuprofile is kept (open it in Chrome
 * DevTools or speedscope) and summarised here: the top self-time functions, and self and
 * on-stack time per package.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoundResult } from './load.js';
import { runLoad } from './measure.js';
import { ROOT, type Timings } from './options.js';
import { JWT_USER } from './seed-data.js';
import { startServer, type ProcessId, type StartOptions } from './servers.js';
import { verify, WORKLOADS, type WorkloadId } from './workloads.js';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where code lives: a package, a file of ours, node itself, or V8's own buckets. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(ROOT) ? path.slice(ROOT.length + 1) : path;
}

function label(node: CpuNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${areaOf(url, functionName)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` — ${where}` : ''}`;
}

function top(map: Map<string, number>, total: number, n: number, heading: string): string[] {
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `| ${heading} | ms | % |`,
    '|---|--:|--:|',
    ...rows.map(([key, us]) => `| ${key.replace(/\|/g, '\\|')} | ${(us / 1000).toFixed(0)} | ${((us / total) * 100).toFixed(1)} |`),
  ];
}

/** Summarises the samples taken between `fromUs` and `toUs` (the measured round, not start-up). */
export function summariseProfile(profile: CpuProfile, fromUs: number, toUs: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const selfArea = new Map<string, number>();
  const onStack = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    total += us;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    selfArea.set(area, (selfArea.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!;
      const a = areaOf(frame.callFrame.url, frame.callFrame.functionName);
      // node internals are under every stack; leave them out of the inclusive view.
      if (frame.callFrame.url && a !== 'node internals' && !seen.has(a)) {
        seen.add(a);
        onStack.set(a, (onStack.get(a) ?? 0) + us);
      }
    }
  }
  const idle = self.get('(idle)') ?? 0;
  return [
    `${(total / 1e6).toFixed(1)} s of samples from the measured round only (start-up and warm-up left out), ${((idle / total) * 100).toFixed(1)} % idle.`,
    '',
    '### Top functions by self time',
    '',
    ...top(self, total, 30, 'function — where'),
    '',
    '### Self time by package / file',
    '',
    ...top(selfArea, total, 25, 'package or file'),
    '',
    '### Time with the package / file anywhere on the stack (inclusive)',
    '',
    ...top(onStack, total, 30, 'package or file'),
  ].join('\n');
}

export async function runProfile(
  processId: ProcessId,
  workloads: readonly WorkloadId[],
  start: StartOptions,
  headers: Record<string, string>,
  timings: Timings,
  tmp: string,
  log: (line: string) => void,
): Promise<void> {
  const profiled = workloads.map((id) => WORKLOADS[id]);
  const dir = mkdtempSync(join(tmpdir(), 'skillmeat-bench-profile-'));
  const server = await startServer(processId, { ...start, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const ours = processId === 'ours-auth';
  const who = ours ? 'ours (auth on, JWT)' : processId;
  let rounds: RoundResult[] = [];
  try {
    const target = {
      name: 'profile',
      url: server.url,
      headers: ours ? headers : {},
      role: ours ? 'TEAM_MEMBER' : 'LOCAL_ADMIN',
      team: ours ? JWT_USER.org_id : null,
      serverGroup: server.child.pid,
    };
    const bodies: string[] = [];
    for (const workload of profiled) bodies.push(await verify(server.url, workload, target.headers, { role: target.role, team: target.team }));
    const seconds = timings.rounds > 1 ? 20 : 5;
    log(`profiling ${who} under ${workloads.join(', then ')}: ${timings.warmupSeconds} s warm-up + ${seconds} s each`);
    const load = { ...timings, durationSeconds: seconds, rounds: 1 };
    const results = await runLoad(profiled.map((workload) => ({ target, workload })), bodies, load, tmp);
    rounds = results.map((r) => r[0]!);
  } finally {
    // A graceful stop: node writes the profile as the process exits.
    await server.stop();
  }
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx's loader runs in another).
  const file = readdirSync(dir).find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no .cpuprofile was written to ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const sections = profiled.map((workload, i) => {
    const round = rounds[i]!;
    return [
      `## CPU profile: ${who}, ${workload.id} (${round.rps.toFixed(0)} req/s under the profiler)`,
      '',
      summariseProfile(profile, round.fromUs, round.toUs),
    ].join('\n');
  });
  const summary = [`Profile: ${join(dir, file)}`, '', ...sections].join('\n\n');
  writeFileSync(join(dir, 'summary.md'), summary);
  console.log(summary);
}
