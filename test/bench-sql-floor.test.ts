/**
 * The bench's SQL floor (bench/sql-floor.ts): the statements one request ran, counted in-process
 * by sql-count.ts, are replayed whole (SQL and parameters) by a real child process on a real
 * copy of the seeded SQLite file; a statement that reads nothing is refused rather than timed;
 * one run per pass is combined as the servers' rounds are; and the report works out what the floor
 * leaves for the 3 × Apollo target from the figures.
 * No timing is asserted: only that the replay ran and measured something.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type BenchIssuer } from '../bench/jwks.js';
import type { Measurement } from '../bench/measure.js';
import { floorSection, type Results, type ServerId } from '../bench/report.js';
import { JWT_USER, seedDatabase } from '../bench/seed.js';
import { countStatements, shorten, type SqlCount } from '../bench/sql-count.js';
import { combineFloorRuns, floorSets, measureSqlFloor, type FloorRun, type SqlFloor } from '../bench/sql-floor.js';
import type { WorkloadId } from '../bench/workloads.js';

describe('bench SQL floor, replayed', () => {
  let tmp = '';
  let seeded = '';
  let issuer: BenchIssuer;
  let counts: SqlCount[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'skillmeat-floor-test-'));
    seeded = join(tmp, 'seed.db');
    await seedDatabase(seeded);
    issuer = await startIssuer();
    const env = {
      SKILLMEAT_AUTH_ENABLED: 'true',
      SKILLMEAT_AUTH_PROVIDER: 'clerk',
      CLERK_JWKS_URL: issuer.jwksUrl,
      CLERK_ISSUER: issuer.issuer,
      SKILLMEAT_ENTERPRISE_PAT_SECRET: 'floor-test-enterprise-secret-0123456789',
    };
    counts = await countStatements(seeded, tmp, { env, jwt: await issuer.sign(JWT_USER), patSecret: env.SKILLMEAT_ENTERPRISE_PAT_SECRET });
  }, 60_000);

  afterAll(async () => {
    await issuer?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps each counted request whole, parameters included', () => {
    for (const c of counts) {
      expect(c.replay.length).toBe(c.statements.length);
      expect(c.replay.map((s) => shorten(s.sql))).toEqual(c.statements);
    }
    const jwtW3 = counts.find((c) => c.identity === 'JWT' && c.workload === 'W3')!;
    const zeroW3 = counts.find((c) => c.identity === 'zero-auth' && c.workload === 'W3')!;
    const peersW3 = counts.find((c) => c.identity === 'peers' && c.workload === 'W3')!;
    // The JWT's statements carry its team for the tenancy predicate; zero-auth (LOCAL_ADMIN) sees every team.
    expect(jwtW3.replay.some((s) => s.parameters.includes(JWT_USER.org_id))).toBe(true);
    expect(zeroW3.replay.some((s) => s.parameters.includes(JWT_USER.org_id))).toBe(false);
    // Ours answers W3 from rows in two statements (the page, then every collection's page with
    // the owners joined); the peers' resolvers run three (the owners by an IN list).
    expect(jwtW3.perRequest).toBe(2);
    expect(peersW3.perRequest).toBe(3);
    // The peers' nested statement is the resolvers' own (every column of each child), whole.
    expect(peersW3.replay[1]!.sql).toMatch(/^select "p"\."id" as "parent_id", "c"\.\* from "collections" as "p" inner join "artifacts" as "c" on "c"\."id" in \(select "ca"\."artifact_id"/);
  });

  it("replays W2 and W3 of ours with the JWT and the peers' in a child process, each request as counted", async () => {
    const sets = floorSets(counts);
    expect(sets.map((s) => `${s.identity} ${s.workload}`).sort()).toEqual(['JWT W2', 'JWT W3', 'peers W2', 'peers W3']);
    const floor = await measureSqlFloor(seeded, tmp, sets, 0.2);
    expect(floor.map((f) => `${f.identity} ${f.workload}`)).toEqual(sets.map((s) => `${s.identity} ${s.workload}`));
    for (const f of floor) {
      const counted = counts.find((c) => c.identity === f.identity && c.workload === f.workload)!;
      expect(f.statements).toBe(counted.perRequest);
      expect(f.iterations).toBeGreaterThan(0);
      expect(f.cpuUs).toBeGreaterThan(0);
    }
  }, 60_000);

  it('refuses to time a statement that reads no row', async () => {
    const sets = [{ identity: 'JWT', workload: 'W2', statements: [{ sql: 'select id from artifacts where id = ?', parameters: [-1] }] }];
    await expect(measureSqlFloor(seeded, tmp, sets, 0.2)).rejects.toThrow(/statement 1 read no row/);
  }, 60_000);
});

describe('bench SQL floor, reported', () => {
  const measurement = (cpuUs: number | null): Measurement => ({ rps: 1, p50: 1, p99: 1, cpuUs, rounds: [] });
  const results = (cpu: Partial<Record<ServerId, Partial<Record<WorkloadId, number | null>>>>): Results =>
    new Map(
      Object.entries(cpu).map(([server, byWorkload]) => [
        server as ServerId,
        new Map(Object.entries(byWorkload).map(([id, us]) => [id as WorkloadId, measurement(us ?? null)])),
      ]),
    );
  const floor: SqlFloor[] = [
    { identity: 'JWT', workload: 'W2', statements: 2, cpuUs: 200, iterations: 300, runs: [190, 200, 230] },
    { identity: 'JWT', workload: 'W3', statements: 3, cpuUs: 550, iterations: 300, runs: [550, 540, 600] },
    { identity: 'peers', workload: 'W2', statements: 2, cpuUs: 180, iterations: 300, runs: [180, 180, 180] },
    { identity: 'peers', workload: 'W3', statements: 3, cpuUs: 500, iterations: 300, runs: [510, 490, 500] },
  ];

  it('combines one run per pass as the servers\' rounds are: the median, every run shown', () => {
    const run = (identity: string, workload: string, cpuUs: number): FloorRun => ({ identity, workload, statements: 3, cpuUs, iterations: 10 });
    const combined = combineFloorRuns([
      [run('JWT', 'W3', 600), run('zero-auth', 'W3', 500)],
      [run('zero-auth', 'W3', 520), run('JWT', 'W3', 540)],
      [run('JWT', 'W3', 700), run('zero-auth', 'W3', 480)],
    ]);
    expect(combined).toEqual([
      { identity: 'JWT', workload: 'W3', statements: 3, cpuUs: 600, iterations: 30, runs: [600, 540, 700] },
      { identity: 'zero-auth', workload: 'W3', statements: 3, cpuUs: 500, iterations: 30, runs: [500, 520, 480] },
    ]);
    expect(() => combineFloorRuns([[run('JWT', 'W3', 600)], [run('JWT', 'W2', 600)]])).toThrow(/JWT W3 is missing from a pass/);
  });

  it('works out the best ratio, the budget for 3 × Apollo and each server above its floor', () => {
    const lines = floorSection(
      floor,
      results({
        'ours-jwt': { W1: 75, W2: 600, W3: 1_100 },
        mercurius: { W1: 26, W2: 480, W3: 930 },
        apollo: { W2: 1_500, W3: 1_800 },
      }),
    );
    // W2: 1,500 ÷ 200 = 7.5×; a third of Apollo is 500, 300 above ours' floor; the rest 400 · 300 · 1,320.
    expect(lines).toContain('| W2 | 1,500 | 7.50× | 500 | 300 | 400 · 300 · 1,320 |');
    // W3: 1,800 ÷ 550 = 3.27×; a third is 600, 50 above the floor; the rest 550 · 430 · 1,300.
    expect(lines).toContain('| W3 | 1,800 | 3.27× | 600 | 50 | 550 · 430 · 1,300 |');
    expect(lines).toContain("| W3 | the peers' (zero-auth through the resolvers, LOCAL_ADMIN) | 3 | 300 | 510 / 490 / 500 | 500 |");
    expect(lines.at(-1)).toBe('For scale: W1 runs no statement, and its whole request costs ours (JWT) 75 µs and Mercurius + JIT 26 µs.');
  });

  it('shows a floor above a third of Apollo as a negative budget, and dashes where a figure is missing', () => {
    const lines = floorSection(floor, results({ 'ours-jwt': { W3: 1_100 }, apollo: { W2: null, W3: 1_500 } }));
    expect(lines).toContain('| W3 | 1,500 | 2.73× | 500 | -50 | 550 · — · 1,000 |');
    expect(lines).toContain('| W2 | — | — | — | — | — |');
    expect(lines.some((l) => l.startsWith('For scale'))).toBe(false);
    expect(floorSection([], results({}))).toEqual(['Not measured in this run.']);
  });
});
