/**
 * `npm run bench [-- --quick] [-- --soak] [-- --profile] [-- --database postgres://…]`: for each
 * database of the run (SQLite, PostgreSQL, or both), seeds the data; on SQLite counts the SQL
 * statements per request; then, in each of 3 passes, replays those statements alone (the SQL
 * floor, sql-floor.ts, SQLite only) and starts each server one after another (ours zero-auth,
 * ours with auth, bare Yoga ± JIT, Apollo Server, Mercurius + JIT, a constant node:http), each on
 * its own copy of the data, measuring one round of the workloads per server with a separately
 * pinned load generator.
 * The full run (SQLite, then PostgreSQL) writes docs/benchmarks.md and prints it; --quick, --only,
 * --workloads and --database alone only print (options.ts).
 * `--serve <process>` starts one of the servers and leaves it running for another load generator.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIssuer } from './jwks.js';
import type { RoundResult } from './load.js';
import { measureAll, summarise, type Measurement, type Planned } from './measure.js';
import { parseOptions, ROOT, type BenchDatabase, type Options, type Timings } from './options.js';
import { createBenchPostgres, type BenchPostgres } from './postgres.js';
import { installCleanup, PINNING, stopAll } from './processes.js';
import { runProfile } from './profile.js';
import { serve } from './serve.js';
import { renderReport, SERVER_LABELS, type DatabaseReport, type Results, type ServerId } from './report.js';
import { ARTIFACT_COUNT, COLLECTION_COUNT, JWT_USER, seedDatabase, USER_COUNT } from './seed.js';
import { startServer, type ProcessId, type StartOptions } from './servers.js';
import { runSoak, serverProcessCount, workersLine } from './soak.js';
import { countStatements, createApiKey } from './sql-count.js';
import { combineFloorRuns, floorSets, measureSqlFloor, type FloorRun } from './sql-floor.js';
import { WORKLOAD_IDS, WORKLOADS, type WorkloadId } from './workloads.js';

interface Step {
  process: ProcessId;
  targets: { result: ServerId; workloads: WorkloadId[]; credential: 'none' | 'jwt' | 'key'; role: string; team?: string | null }[];
}

/** Every workload, W4 last: its writes come after every read of a server has been measured. */
const ALL: WorkloadId[] = [...WORKLOAD_IDS];

/**
 * What each server answers. The issue's targets are ours with the JWT against Apollo and
 * Mercurius, so those three answer every workload on every database; the other rows (ours
 * zero-auth and with an API key, two workers, bare Yoga ± JIT, the constant ceiling) are
 * measured on SQLite only and on the original workloads, which keeps a full run on two databases
 * within the half hour a shared CI machine can give it.
 */
function plan(quick: boolean, database: BenchDatabase): Step[] {
  const sqlite = database === 'sqlite';
  // Quick: the peers answer W2, Apollo and Mercurius one client-shaped read too; ours with the JWT answers every workload.
  const peer = (process: ProcessId, result: ServerId, quickWorkloads: WorkloadId[], full: WorkloadId[]): Step => ({
    process,
    targets: [{ result, workloads: quick ? quickWorkloads : full, credential: 'none', role: 'LOCAL_ADMIN' }],
  });
  const ORIGINAL: WorkloadId[] = ['W1', 'W2', 'W3', 'W4'];
  const steps: Step[] = [
    { process: 'ours-zero', targets: [{ result: 'ours-zero', workloads: quick ? ['W2', 'W3'] : ORIGINAL, credential: 'none', role: 'LOCAL_ADMIN' }] },
    {
      process: 'ours-auth',
      targets: [
        { result: 'ours-jwt', workloads: ALL, credential: 'jwt', role: 'TEAM_MEMBER', team: JWT_USER.org_id },
        { result: 'ours-key', workloads: quick ? ['W2'] : ORIGINAL, credential: 'key', role: 'SYSTEM_ADMIN' },
      ],
    },
    {
      process: 'ours-auth-w2',
      targets: [{ result: 'ours-jwt-w2', workloads: quick ? ['W2'] : ['W2', 'W3'], credential: 'jwt', role: 'TEAM_MEMBER', team: JWT_USER.org_id }],
    },
    peer('yoga', 'yoga', ['W2'], ['W2', 'W3']),
    peer('yoga-jit', 'yoga-jit', ['W2'], ['W2', 'W3']),
    peer('apollo', 'apollo', ['W2', 'C1'], ALL),
    peer('mercurius', 'mercurius', ['W2', 'C1'], ALL),
    { process: 'constant', targets: [{ result: 'constant', workloads: ['W2'], credential: 'none', role: 'LOCAL_ADMIN' }] },
  ];
  if (sqlite || quick) return steps;
  return steps
    .filter((step) => step.process === 'ours-auth' || step.process === 'apollo' || step.process === 'mercurius')
    .map((step) => ({ ...step, targets: step.targets.filter((t) => t.result !== 'ours-key') }));
}

/** The plan narrowed by --only and --workloads (W2 stays on ours-zero when the constant needs its body). */
function selected(steps: Step[], options: Options): Step[] {
  const wanted = (id: WorkloadId, step: Step) =>
    !options.workloads || options.workloads.includes(id) || (step.process === 'ours-zero' && id === 'W2' && options.only?.includes('constant'));
  return steps
    .filter((step) => !options.only || options.only.includes(step.process))
    .map((step) => ({ ...step, targets: step.targets.map((t) => ({ ...t, workloads: t.workloads.filter((id) => wanted(id, step)) })).filter((t) => t.workloads.length > 0) }))
    .filter((step) => step.targets.length > 0);
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown (no /proc/cpuinfo)';
  }
}

const started = Date.now();
const log = (line: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const loadAverage = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
};

let tmp = '';
const removeTmp = () => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
};
let postgres: BenchPostgres | null = null;
let dropping: Promise<void> | null = null;
/** Drops the run's PostgreSQL databases once; every caller (the end, a failure, SIGINT) waits for that one drop. */
const dropPostgres = (): Promise<void> => {
  if (!postgres) return dropping ?? Promise.resolve();
  const made = postgres;
  postgres = null;
  dropping = made.dropAll();
  return dropping;
};

interface AuthSetup {
  authEnv: Record<string, string>;
  jwt: string;
  patSecret: string;
}

/**
 * One database's matrix: on SQLite, count the statements per request; then, in each pass, the
 * SQL floor (SQLite only) and every server of the plan started afresh on its own copy of the data.
 */
async function runMatrix(database: BenchDatabase, options: Options, start: StartOptions, auth: AuthSetup): Promise<DatabaseReport> {
  const name = database === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const sqlite = database === 'sqlite';
  const sql = sqlite ? await countStatements(start.seeded, tmp, { env: auth.authEnv, jwt: auth.jwt, patSecret: auth.patSecret }) : null;
  if (sql) log(`${name}: counted SQL statements per request`);

  // Each round is a pass over every server, each started afresh: drift of a shared machine
  // then falls on every server alike, and each median spans several processes of a server
  // (V8 compiles each process a little differently), not one lucky or unlucky one.
  const passes = options.timings.rounds;
  const perPass: Timings = { ...options.timings, rounds: 1 };
  const steps = selected(plan(options.quick, database), options);
  const rounds = new Map<string, { result: ServerId; id: WorkloadId; rounds: RoundResult[] }>();
  const floorRuns: FloorRun[][] = [];
  let workerProcesses: number | null = null;
  const constantBody = join(tmp, `w2-body-${database}.json`);
  for (let pass = 1; pass <= passes; pass++) {
    if (sql) {
      const floorRun = await measureSqlFloor(start.seeded, tmp, floorSets(sql), options.timings.floorSeconds);
      floorRuns.push(floorRun);
      log(`${name} pass ${pass}/${passes}: SQL floor, CPU µs per request: ${floorRun.map((f) => `${f.identity} ${f.workload} ${f.cpuUs.toFixed(0)}`).join(', ')}`);
    }
    for (const step of steps) {
      const server = await startServer(step.process, { ...start, constantBody });
      try {
        log(`${name} pass ${pass}/${passes}: ${step.process} ready at ${server.url}`);
        const key = step.targets.some((t) => t.credential === 'key') ? await createApiKey(server.url, auth.patSecret) : '';
        const planned: (Planned & { result: ServerId })[] = step.targets.flatMap((t) => {
          const headers: Record<string, string> =
            t.credential === 'jwt' ? { authorization: `Bearer ${auth.jwt}` } : t.credential === 'key' ? { 'x-api-key': key } : {};
          const target = {
            name: SERVER_LABELS[t.result],
            url: server.url,
            headers,
            role: t.role,
            ...(t.team !== undefined ? { team: t.team } : {}),
            serverGroup: server.child.pid,
          };
          return t.workloads.map((id) => ({ result: t.result, target, workload: WORKLOADS[id] }));
        });
        // measureAll checks and measures every read of the server (of every credential) before any write (W4).
        const { results: measured, bodies } = await measureAll(planned, perPass, tmp);
        planned.forEach((p, i) => {
          if (p.result === 'ours-zero' && p.workload.id === 'W2') writeFileSync(constantBody, bodies[i]!);
          const measuredAs = `${p.result} ${p.workload.id}`;
          const entry = rounds.get(measuredAs) ?? { result: p.result, id: p.workload.id, rounds: [] };
          entry.rounds.push(...measured[i]!.rounds);
          rounds.set(measuredAs, entry);
        });
        if (step.process === 'ours-auth-w2') workerProcesses = Math.min(workerProcesses ?? Infinity, serverProcessCount(server));
      } finally {
        await server.stop();
      }
    }
  }
  const results: Results = new Map();
  for (const { result, id, rounds: all } of rounds.values()) {
    const m = summarise(all);
    const byWorkload = results.get(result) ?? new Map<WorkloadId, Measurement>();
    byWorkload.set(id, m);
    results.set(result, byWorkload);
    log(`${name} ${SERVER_LABELS[result]} ${id}: ${all.map((r) => r.rps.toFixed(0)).join(', ')} req/s → ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms`);
  }
  const workers = workerProcesses === null ? 'SKILLMEAT_WORKERS=2 was not measured.' : workersLine(workerProcesses, results);
  const data = `2 teams, ${USER_COUNT} users, ${ARTIFACT_COUNT} artifacts, ${COLLECTION_COUNT} collections × 20 artifacts`;
  return {
    database,
    title: sqlite ? 'SQLite' : `PostgreSQL ${start.postgres?.version.split(' ')[0] ?? ''}`.trim(),
    dataset: sqlite
      ? `one SQLite file (copied per server start): ${data}`
      : `one PostgreSQL database on ${start.postgres?.where ?? '?'} (server_version ${start.postgres?.version ?? '?'}), seeded once per run and copied per server start (CREATE DATABASE … TEMPLATE), each copy dropped when its server stops: ${data}`,
    results,
    sql,
    floor: sql ? combineFloorRuns(floorRuns) : null,
    workers,
  };
}

async function main(options: Options): Promise<void> {
  tmp = mkdtempSync(join(tmpdir(), 'skillmeat-bench-'));
  const loadBefore = loadAverage();
  const issuer = await startIssuer();
  try {
    log(`${options.command}: ${PINNING.why}; ${options.databases.map((d) => (d === 'sqlite' ? 'SQLite' : 'PostgreSQL')).join(', then ')}`);
    const seeded = join(tmp, 'seed.db');
    if (options.databases.includes('sqlite')) {
      await seedDatabase(seeded);
      log(`seeded SQLite: ${USER_COUNT} users, ${ARTIFACT_COUNT} artifacts, ${COLLECTION_COUNT} collections`);
    }
    if (options.databases.includes('postgres')) {
      postgres = await createBenchPostgres(options.postgresUrl!);
      log(`seeded PostgreSQL ${postgres.version} on ${postgres.where}: ${USER_COUNT} users, ${ARTIFACT_COUNT} artifacts, ${COLLECTION_COUNT} collections`);
    }
    const jwt = await issuer.sign(JWT_USER);
    const patSecret = randomBytes(32).toString('base64url');
    const authEnv = {
      SKILLMEAT_AUTH_ENABLED: 'true',
      SKILLMEAT_AUTH_PROVIDER: 'clerk',
      CLERK_JWKS_URL: issuer.jwksUrl,
      CLERK_ISSUER: issuer.issuer,
      SKILLMEAT_ENTERPRISE_PAT_SECRET: patSecret,
    };
    const start: StartOptions = { seeded, tmp, authEnv };
    if (options.serve) {
      await serve(options.serve as ProcessId, start, jwt, tmp);
      // Until Ctrl-C: installCleanup then stops the server and removes the files.
      await new Promise<never>(() => {});
    }
    if (options.profile) {
      if ((options.only?.length ?? 1) !== 1) throw new Error('--profile takes at most one process in --only');
      await runProfile((options.only?.[0] ?? 'ours-auth') as ProcessId, (options.workloads ?? ['W2', 'W3']) as WorkloadId[], start, { authorization: `Bearer ${jwt}` }, options.timings, tmp, log);
      return;
    }

    const databases: DatabaseReport[] = [];
    for (const database of options.databases) {
      databases.push(await runMatrix(database, options, database === 'postgres' ? { ...start, postgres: postgres! } : start, { authEnv, jwt, patSecret }));
    }

    // The soak runs on the first database of the run (SQLite unless --database alone).
    const soakStart = options.databases[0] === 'postgres' ? { ...start, postgres: postgres! } : start;
    const soak = options.soak
      ? await runSoak(soakStart, { authorization: `Bearer ${jwt}` }, options.timings, tmp, log)
      : `Not measured in this run (\`npm run bench -- --soak\`, full mode only, adds about 3.5 minutes).`;

    const t = options.timings;
    const report = renderReport({
      command: options.command,
      date: new Date(),
      node: process.version,
      cpu: cpuModel(),
      cores: availableParallelism(),
      pinning: PINNING.enabled ? PINNING.why : `none — ${PINNING.why}`,
      load: `${loadBefore} before, ${loadAverage()} after (1, 5, 15 min; anything well above 0 means other work shared the machine)`,
      mode: `${options.quick ? 'quick' : 'full'}: ${t.connections} connections, ${t.warmupSeconds} s warm-up, ${t.rounds} × ${t.durationSeconds} s rounds (one per pass over all servers, each pass starting each server afresh), medians reported`,
      databases,
      soak,
      soakDatabase: options.soak ? (options.databases[0] === 'postgres' ? 'PostgreSQL' : 'SQLite') : null,
      notes: [
        'Peers serve the same unprotected Pothos `schema` and data functions with a fixed LOCAL_ADMIN context (new DataLoaders per request), so they share our data layer (prepared-statement cache, SQLite planner statistics, nested pages as one statement per level); bare Yoga ± JIT, Apollo and Mercurius run with their defaults otherwise.',
        'Ours adds the auth chain, graphql-shield, GraphQL Armor, the request log (pino at level warn here, so no line per request) and the 1 MiB body limit; it reads each body on the socket, answers plain JSON POSTs to /graphql through Yoga\'s getResultForParams and result processors without its fetch layer (src/http/graphql-post.ts), answers the read queries its fast path can plan (every read workload but W1) from rows, one statement per level, written as JSON by a writer made per query (src/plugins/sql-execution.ts, src/db/page-rows.ts, SKILLMEAT_SQL_EXECUTION), on SQLite and PostgreSQL, and executes everything else with graphql-js.',
        'The client-shaped reads C1–C4 are sent as graphql-codegen\'s client preset sends its documents: `{query, variables, operationName}`, the operation followed by the fragments it spreads, `__typename` in every selection set. Their checks compare the whole answer (every field, __typename, global ids, totalCount, pageInfo, the filter) with what the seed implies for the caller; cursors are opaque, so only checked to be non-empty strings.',
        'The JWT is one RS256 token reused by every request, as a real client does; our clerk strategy reuses a verified token\'s Viewer for up to 5 s, so the JWT rows measure that steady state, not a signature check per request.',
        'The JWT identity is a TEAM_MEMBER of team-a (sees PUBLIC + team-a rows); zero-auth, the API key (issued to the Enterprise PAT, SYSTEM_ADMIN) and the peers see every team. Every page is full either way; the totalCounts differ (C1: 1,500 rows for the JWT, 2,000 for the others).',
        'Within one server, every read is measured before W4: W4 adds artifacts, which would change the totalCounts the reads were checked with. Each server start has its own copy of the data, so no server sees another\'s writes.',
        options.quick
          ? 'Quick mode is a smoke run (1 s warm-up, one 3 s round): every workload on ours with the JWT, W2 and W3 on zero-auth, W2 on the peers (Apollo and Mercurius also C1), the API key and two workers. Use the full mode for figures.'
          : '',
      ].filter(Boolean),
    });
    console.log(report);
    if (!options.writes) {
      log(`a smoke, partial or one-database run (--quick/--only/--workloads/--database alone): docs/benchmarks.md left as it was, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } else {
      writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), report);
      log(`wrote docs/benchmarks.md in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await stopAll();
    await issuer.close();
    await dropPostgres();
    removeTmp();
  }
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
installCleanup(async () => {
  await stopAll();
  await dropPostgres();
  removeTmp();
});
main(options).then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(`\nbench: FAILED — ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    await dropPostgres().catch((dropError: unknown) => console.error(`bench: could not drop the bench databases: ${String(dropError)}`));
    process.exit(1);
  },
);
