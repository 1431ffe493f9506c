/**
 * CPU time read from /proc, for the load generator to take at the edges of each round: the
 * server's own CPU time (every thread of every process in its group, so GC and workers count),
 * and how much of the server's core the hypervisor gave to someone else (steal). Requests per
 * second fall when a shared host steals time; CPU time per request does not, so it is the
 * figure to compare across machines and runs. Linux only; elsewhere both read as null.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU counters (USER_HZ; 100 on every common Linux). */
export const TICKS_PER_SECOND = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** The processes in a process group (a cluster primary and its workers), read from /proc. */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised name: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** User + system CPU time of `pids` in ms; a process that has ended counts as 0. Null without /proc. */
export function processCpuMs(pids: readonly number[]): number | null {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && pidsReadable()) continue;
      return null;
    }
    ticks += cpuTicksOfStat(stat);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** utime + stime of a /proc/<pid>/stat line, in clock ticks. */
export function cpuTicksOfStat(stat: string): number {
  // After "pid (comm) " (comm may hold spaces and parentheses: the last ")" ends it): state is
  // field 3, utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function pidsReadable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

export interface CoreTicks {
  steal: number;
  total: number;
}

/** The steal and total ticks of one CPU (`cpuN` in /proc/stat), or of all when `cpu` is null. */
export function coreTicks(cpu: number | null): CoreTicks | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const name = cpu === null ? 'cpu' : `cpu${cpu}`;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user/nice).
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { steal: values[7] ?? 0, total: values.reduce((a, b) => a + b, 0) };
}

/** Steal as a percentage of the core's ticks between two readings; null when nothing elapsed. */
export function stealPercent(before: CoreTicks | null, after: CoreTicks | null): number | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  return total > 0 ? ((after.steal - before.steal) / total) * 100 : null;
}
