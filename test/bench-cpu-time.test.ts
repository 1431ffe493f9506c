/**
 * The bench's /proc readings (bench/cpu-time.ts): a process group's CPU time grows with the work
 * its processes do, a child in the group is found and counted, steal is the share of a core's
 * ticks, and the per-request figure the report prints comes from these readings.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coreTicks, groupPids, processCpuMs, stealPercent } from '../bench/cpu-time.js';
import { summarise } from '../bench/measure.js';

const linux = existsSync('/proc/self/stat');

/** Spins until this process has spent `ms` of CPU by Node's own meter (not the wall clock). */
function spendCpu(ms: number): number {
  const start = process.cpuUsage();
  let x = 0;
  for (let spent = 0; spent < ms * 1000; ) {
    for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + 1);
    const { user, system } = process.cpuUsage(start);
    spent = user + system;
  }
  expect(x).toBeGreaterThan(0);
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

describe.skipIf(!linux)('bench CPU readings from /proc', () => {
  it('counts the CPU a process spends, and nothing for a process that is gone', () => {
    const before = processCpuMs([process.pid])!;
    const spent = spendCpu(200);
    const after = processCpuMs([process.pid])!;
    // /proc agrees with Node's own CPU meter, to within the kernel's tick (10 ms) at each end.
    expect(after - before).toBeGreaterThanOrEqual(spent - 25);
    expect(processCpuMs([process.pid, 2 ** 22 + 12345])).toBeGreaterThanOrEqual(after);
  });

  it('finds every process of a detached group, as the bench starts its servers', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { detached: true, stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(groupPids(child.pid!)).toEqual([child.pid]);
      expect(processCpuMs(groupPids(child.pid!))).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill();
    }
  });

  it('reads steal as a share of one core’s ticks', () => {
    const all = coreTicks(null)!;
    const zero = coreTicks(0)!;
    expect(all.total).toBeGreaterThan(0);
    expect(zero.total).toBeGreaterThan(0);
    expect(zero.total).toBeLessThanOrEqual(all.total);
    expect(coreTicks(4096)).toBeNull();
    expect(stealPercent({ steal: 10, total: 1000 }, { steal: 30, total: 1200 })).toBe(10);
    expect(stealPercent({ steal: 10, total: 1000 }, { steal: 10, total: 1000 })).toBeNull();
    expect(stealPercent(null, zero)).toBeNull();
  });
});

describe('CPU time per request in a measurement', () => {
  const round = (requests: number, serverCpuMs: number | null) => ({
    fromUs: 0,
    toUs: 1,
    rps: requests,
    p50: 1,
    p99: 2,
    requests,
    serverCpuMs,
    stealPct: 0,
  });

  it('is the median over rounds of server CPU ÷ requests, in µs', () => {
    // 1,000 requests in 500 ms (500 µs), 2,000 in 800 ms (400 µs), 1,000 in 300 ms (300 µs).
    expect(summarise([round(1000, 500), round(2000, 800), round(1000, 300)]).cpuUs).toBe(400);
  });

  it('is unknown when any round could not read it', () => {
    expect(summarise([round(1000, 500), round(1000, null)]).cpuUs).toBeNull();
  });
});
