/**
 * `npm run bench` options (bench/options.ts): the workload names C1–C4, --database and which
 * databases a run measures, and which runs write docs/benchmarks.md (only the full run, over
 * SQLite and PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../bench/options.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';
const noEnv = {};

describe('bench options: workloads', () => {
  it('takes the client-shaped workloads beside W1–W4', () => {
    expect(parseOptions(['--quick', '--workloads', 'W2,C1,C4'], noEnv).workloads).toEqual(['W2', 'C1', 'C4']);
    expect(() => parseOptions(['--workloads', 'C5'], noEnv)).toThrow(/unknown C5/);
  });
});

describe('bench options: --database', () => {
  it('runs the quick matrix on SQLite alone, or on PostgreSQL alone with --database, and writes nothing', () => {
    expect(parseOptions(['--quick'], noEnv)).toMatchObject({ databases: ['sqlite'], postgresUrl: null, writes: false });
    expect(parseOptions(['--quick', '--database', PG], noEnv)).toMatchObject({ databases: ['postgres'], postgresUrl: PG, writes: false });
    // The environment does not turn a quick run into a PostgreSQL one.
    expect(parseOptions(['--quick'], { TEST_DATABASE_URL: PG }).databases).toEqual(['sqlite']);
  });

  it('runs the full matrix on PostgreSQL alone with --database alone, printing only', () => {
    expect(parseOptions(['--database', PG], noEnv)).toMatchObject({ databases: ['postgres'], postgresUrl: PG, writes: false });
  });

  it('runs the full run on SQLite then PostgreSQL and writes docs/benchmarks.md, the URL from --database or the environment', () => {
    expect(parseOptions(['--soak', '--database', PG], noEnv)).toMatchObject({ databases: ['sqlite', 'postgres'], postgresUrl: PG, writes: true, soak: true });
    const other = 'postgres://bench@127.0.0.1:5433/x';
    expect(parseOptions(['--soak'], { BENCH_DATABASE_URL: other, TEST_DATABASE_URL: PG }).postgresUrl).toBe(other);
    expect(parseOptions(['--soak'], { TEST_DATABASE_URL: PG })).toMatchObject({ databases: ['sqlite', 'postgres'], postgresUrl: PG, writes: true });
    expect(parseOptions([], { TEST_DATABASE_URL: PG })).toMatchObject({ databases: ['sqlite', 'postgres'], writes: true, soak: false });
  });

  it('refuses a full run with no PostgreSQL to run on, saying how to give one', () => {
    expect(() => parseOptions(['--soak'], noEnv)).toThrow(/needs a PostgreSQL server: pass --database postgres:\/\/.*BENCH_DATABASE_URL or TEST_DATABASE_URL/s);
    expect(() => parseOptions([], { TEST_DATABASE_URL: '  ' })).toThrow(/needs a PostgreSQL server/);
    expect(() => parseOptions(['--soak'], { BENCH_DATABASE_URL: '/tmp/x.db' })).toThrow(/must be a postgres:\/\/ URL/);
  });

  it('keeps narrowed runs on SQLite unless --database is given, and never writes them', () => {
    expect(parseOptions(['--only', 'ours-auth,apollo'], noEnv)).toMatchObject({ databases: ['sqlite'], writes: false });
    expect(parseOptions(['--workloads', 'C3', '--database', PG], noEnv)).toMatchObject({ databases: ['postgres'], writes: false });
  });

  it('refuses what is not a postgres:// URL, and --database with --profile or --serve', () => {
    expect(() => parseOptions(['--database', './bench.db'], noEnv)).toThrow(/--database needs a postgres:\/\/ URL, got ".\/bench.db"/);
    expect(() => parseOptions(['--database'], noEnv)).toThrow(/--database needs a postgres:\/\/ URL/);
    expect(() => parseOptions(['--quick', '--database', 'postgres://'], noEnv)).toThrow(/--database needs a postgres:\/\/ URL/);
    expect(() => parseOptions(['--profile', '--database', PG], noEnv)).toThrow(/--profile runs on SQLite only/);
    expect(() => parseOptions(['--serve', 'apollo', '--database', PG], noEnv)).toThrow(/one server/);
  });
});
