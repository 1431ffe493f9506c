/**
 * The bench's PostgreSQL databases, on the server that --database (or BENCH_DATABASE_URL /
 * TEST_DATABASE_URL) names: one database `bench_<random>_seed` seeded once per run, and a copy of it
 * (`CREATE DATABASE … TEMPLATE`) for every server start, as the SQLite mode copies its file, so
 * W4's writes on one server never reach another's reads. Each copy is dropped when its server
 * stops; `dropAll` drops whatever is left (at the end, on failure and on SIGINT).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { seedDatabase } from './seed.js';

export interface BenchPostgres {
  /** The server's version, for the report. */
  version: string;
  /** host:port, for the report (no credentials). */
  where: string;
  /** A fresh copy of the seeded database for one server start; `drop` removes it. */
  copy(label: string): Promise<{ url: string; drop(): Promise<void> }>;
  /** Drops every database this run made. Safe to call more than once. */
  dropAll(): Promise<void>;
}

/** `url` with its database path replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates and seeds `bench_<random>_seed` on the server of `url`. */
export async function createBenchPostgres(url: string): Promise<BenchPostgres> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const seedName = `${prefix}_seed`;
  const made = new Set<string>();
  let copies = 0;
  const drop = async (name: string) => {
    // WITH (FORCE) (PostgreSQL 13+): a server stopped hard may leave a connection behind for a moment.
    await admin(url, (client) => client.query(`drop database if exists "${name}" with (force)`));
    made.delete(name);
  };
  const dropAll = async () => {
    for (const name of [...made].reverse()) await drop(name);
  };
  const version = await admin(url, async (client) => {
    const row = (await client.query<{ server_version: string }>('show server_version')).rows[0];
    made.add(seedName);
    await client.query(`create database "${seedName}"`);
    return row?.server_version ?? 'unknown';
  });
  try {
    await seedDatabase({ dialect: 'postgres', url: withDatabase(url, seedName) });
  } catch (error) {
    await dropAll();
    throw error;
  }
  const parsed = new URL(url);
  return {
    version,
    where: `${parsed.hostname}:${parsed.port || '5432'}`,
    copy: async (label) => {
      const name = `${prefix}_${++copies}_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`.slice(0, 63);
      made.add(name);
      await admin(url, (client) => client.query(`create database "${name}" template "${seedName}"`));
      return { url: withDatabase(url, name), drop: () => drop(name) };
    },
    dropAll,
  };
}
