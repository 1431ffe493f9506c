/**
 * The SQL floor's replay, started by bench/sql-floor.ts pinned to the server's core:
 * `node --import tsx bench/sql-floor-child.ts <input.json> <output.json>`. For each set, every
 * statement is checked to read at least one row (a statement that reads nothing would make the
 * floor meaningless). After a warm-up over every set, each set is replayed in a loop for a fifth
 * of its time, in turn with the others, five times; the median of the process's CPU time per
 * replay over those slices is written out.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CompiledQuery } from 'kysely';
import { createDatabase } from '../src/db/database.js';
import { median } from './measure.js';
import type { FloorInput, FloorRun } from './sql-floor.js';

/** A bound on the loop whatever the clock says. */
const MAX_ITERATIONS = 1_000_000;

const [inputPath, outputPath] = process.argv.slice(2);
if (!inputPath || !outputPath) throw new Error('usage: node --import tsx bench/sql-floor-child.ts <input.json> <output.json>');
const input = JSON.parse(readFileSync(inputPath, 'utf8')) as FloorInput;
const database = createDatabase({ dialect: 'sqlite', url: input.db });
/** Each set is timed in this many slices, taken in turn with the other sets'; the median slice is kept. */
const SLICES = 5;

try {
  const replays = input.sets.map((set) => ({ set, queries: set.statements.map((s) => CompiledQuery.raw(s.sql, s.parameters)) }));
  for (const { set, queries } of replays) {
    if (queries.length === 0) throw new Error(`${set.identity} ${set.workload}: no statements to replay`);
    for (const [i, query] of queries.entries()) {
      const { rows } = await database.db.executeQuery(query);
      if (rows.length === 0) throw new Error(`${set.identity} ${set.workload}: statement ${i + 1} read no row: ${query.sql.slice(0, 200)}`);
    }
  }
  const once = async (queries: CompiledQuery[]) => {
    for (const query of queries) await database.db.executeQuery(query);
  };
  /** Replays for `ms` (at least once); CPU µs per replay and how many replays. */
  const timed = async (queries: CompiledQuery[], ms: number) => {
    const until = performance.now() + ms;
    const cpuBefore = process.cpuUsage();
    let iterations = 0;
    while (iterations < MAX_ITERATIONS && (iterations === 0 || performance.now() < until)) {
      await once(queries);
      iterations++;
    }
    const cpu = process.cpuUsage(cpuBefore);
    return { cpuUs: (cpu.user + cpu.system) / iterations, iterations };
  };
  // Warm-up over every set (V8 optimises the shared driver code for all of them), then the slices in turn.
  const warmMs = (input.seconds * 1000) / 4 / replays.length;
  for (const { queries } of replays) await timed(queries, warmMs);
  const slices = replays.map(() => [] as { cpuUs: number; iterations: number }[]);
  for (let slice = 0; slice < SLICES; slice++) {
    for (const [i, { queries }] of replays.entries()) slices[i]!.push(await timed(queries, (input.seconds * 1000) / SLICES));
  }
  const results: FloorRun[] = replays.map(({ set, queries }, i) => ({
    identity: set.identity,
    workload: set.workload,
    statements: queries.length,
    cpuUs: median(slices[i]!.map((s) => s.cpuUs)),
    iterations: slices[i]!.reduce((sum, s) => sum + s.iterations, 0),
  }));
  writeFileSync(outputPath, JSON.stringify(results));
} finally {
  await database.close();
}
