/**
 * The bench's /proc readings (bench/cpu-time.ts): a process's CPU time is its stat line's utime +
 * stime, a process that is gone counts as nothing, a child in the group is found and counted,
 * steal is the share of a core's ticks, and the per-request figure the report prints comes from
 * these readings. No test spends CPU to measure it: counts and order only.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coreTicks, cpuTicksOfStat, groupPids, processCpuMs, stealPercent, TICKS_PER_SECOND } from '../bench/cpu-time.js';
import { summarise } from '../bench/measure.js';

const linux = existsSync('/proc/self/stat');

describe('a /proc/<pid>/stat line', () => {
  it('gives utime + stime, whatever the command name holds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const tail = 'S 1 1 1 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 1 0 100 1000 10';
    expect(cpuTicksOfStat(`42 (node) ${tail}`)).toBe(1234 + 567);
    expect(cpuTicksOfStat(`42 (a (b) c) ${tail}`)).toBe(1234 + 567);
  });
});

describe.skipIf(!linux)('bench CPU readings from /proc', () => {
  it('reads a live process as its stat line says, and a process that is gone as nothing', () => {
    const reading = processCpuMs([process.pid])!;
    expect(reading).toBeGreaterThan(0);
    // A process that has ended adds nothing; counting this one twice counts it twice.
    const gone = 2 ** 22 + 12345;
    expect(existsSync(`/proc/${gone}`)).toBe(false);
    expect(processCpuMs([gone])).toBe(0);
    expect(processCpuMs([process.pid, process.pid])!).toBeGreaterThanOrEqual(2 * reading);
    // The reading is this process's own stat line in ms: not less than the line read before it.
    const ticks = cpuTicksOfStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(ticks).toBeGreaterThan(0);
    expect(processCpuMs([process.pid])!).toBeGreaterThanOrEqual((ticks * 1000) / TICKS_PER_SECOND);
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
