/** Renders the results as the markdown written to docs/benchmarks.md (and printed). */
import { median, type Measurement } from './measure.js';
import { PEERS_IDENTITY } from './options.js';
import type { SqlCount } from './sql-count.js';
import type { SqlFloor } from './sql-floor.js';
import type { BenchDatabase } from './options.js';
import { WORKLOAD_IDS, WORKLOADS, type WorkloadId } from './workloads.js';

export type ServerId = 'ours-zero' | 'ours-jwt' | 'ours-key' | 'ours-jwt-w2' | 'yoga' | 'yoga-jit' | 'apollo' | 'mercurius' | 'constant';

export const SERVER_LABELS: Record<ServerId, string> = {
  'ours-zero': 'ours, zero-auth',
  'ours-jwt': 'ours, auth on, RS256 JWT',
  'ours-key': 'ours, auth on, issued API key',
  'ours-jwt-w2': 'ours, auth on, JWT, SKILLMEAT_WORKERS=2',
  yoga: 'bare Yoga (same schema, no shield/auth)',
  'yoga-jit': 'bare Yoga + graphql-jit',
  apollo: 'Apollo Server 5',
  mercurius: 'Mercurius + graphql-jit',
  constant: 'node:http constant body (ceiling)',
};

export type Results = Map<ServerId, Map<WorkloadId, Measurement>>;

/** One database's matrix. */
export interface DatabaseReport {
  database: BenchDatabase;
  /** The section's heading: "SQLite", "PostgreSQL 15.20". */
  title: string;
  dataset: string;
  results: Results;
  /** Statements per request; null where not counted (PostgreSQL: the counting runs on SQLite). */
  sql: SqlCount[] | null;
  /** The SQL floor of W2 and W3 (sql-floor.ts); null where not measured (PostgreSQL), empty when not run. */
  floor: SqlFloor[] | null;
  workers: string;
}

export interface ReportInput {
  command: string;
  date: Date;
  node: string;
  cpu: string;
  cores: number;
  pinning: string;
  load: string;
  mode: string;
  databases: DatabaseReport[];
  soak: string;
  /** Which database the soak ran on; null when it did not run. */
  soakDatabase: string | null;
  notes: string[];
}

const IDS: readonly WorkloadId[] = WORKLOAD_IDS;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number) => (n < 10 ? fmt(n, 1) : fmt(n));

function resultsTable(results: Results): string[] {
  const lines = ['| workload | server | req/s | p50 ms | p99 ms | server CPU µs/req |', '|---|---|--:|--:|--:|--:|'];
  for (const id of IDS) {
    for (const [server, byWorkload] of results) {
      const m = byWorkload.get(id);
      if (m) lines.push(`| ${id} | ${SERVER_LABELS[server]} | ${fmt(m.rps)} | ${ms(m.p50)} | ${ms(m.p99)} | ${m.cpuUs === null ? '—' : fmt(m.cpuUs)} |`);
    }
  }
  return lines;
}

/** Steal on the server's core over every measured round: how much a shared host took. */
export function stealLine(results: Results | readonly Results[]): string {
  const maps: readonly Results[] = results instanceof Map ? [results] : results;
  const values = maps.flatMap((r) => [...r.values()]).flatMap((byWorkload) =>
    [...byWorkload.values()].flatMap((m) => m.rounds.map((r) => r.stealPct).filter((v): v is number => v !== null)),
  );
  if (values.length === 0) return 'not readable here (no /proc/stat)';
  return `median ${fmt(median(values), 1)} %, highest ${fmt(Math.max(...values), 1)} % of the server's core over the ${values.length} measured rounds (time the hypervisor gave to other guests; it lowers req/s but not CPU µs per request)`;
}

function rps(results: Results, server: ServerId, id: WorkloadId): number | null {
  return results.get(server)?.get(id)?.rps ?? null;
}

function cpuOf(results: Results, server: ServerId, id: WorkloadId): number | null {
  return results.get(server)?.get(id)?.cpuUs ?? null;
}

/** Requests per CPU-second of the server: 1 / CPU time per request, so higher is better as for req/s. */
function perCpuSecond(results: Results, server: ServerId, id: WorkloadId): number | null {
  const cpuUs = cpuOf(results, server, id);
  return cpuUs === null || cpuUs <= 0 ? null : 1e6 / cpuUs;
}

type Metric = (results: Results, server: ServerId, id: WorkloadId) => number | null;

function bestYogaBy(metric: Metric): (results: Results, id: WorkloadId) => number | null {
  return (results, id) => {
    const values = [metric(results, 'yoga', id), metric(results, 'yoga-jit', id)].filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
}

function peersBy(metric: Metric): { label: string; of: (r: Results, id: WorkloadId) => number | null }[] {
  return [
    { label: 'best bare Yoga', of: bestYogaBy(metric) },
    { label: 'Apollo Server', of: (r, id) => metric(r, 'apollo', id) },
    { label: 'Mercurius + JIT', of: (r, id) => metric(r, 'mercurius', id) },
  ];
}

function ratioTable(results: Results, metric: Metric = rps): string[] {
  const peers = peersBy(metric);
  const lines = [`| ours ÷ peer | ${IDS.join(' | ')} |`, `|---|${IDS.map(() => '--:').join('|')}|`];
  for (const ours of ['ours-jwt', 'ours-zero', 'ours-key'] as const) {
    if (!results.has(ours)) continue;
    for (const peer of peers) {
      const cells = IDS.map((id) => {
        const a = metric(results, ours, id);
        const b = peer.of(results, id);
        return a !== null && b !== null ? `${fmt(a / b, 2)}×` : '—';
      });
      lines.push(`| ${SERVER_LABELS[ours]} ÷ ${peer.label} | ${cells.join(' | ')} |`);
    }
  }
  return lines;
}

/** The issue's target for ours with the JWT against one peer on one workload, or null where it sets none. */
export function targetOf(database: BenchDatabase, peer: 'apollo' | 'mercurius', id: WorkloadId): number | null {
  const read = !WORKLOADS[id].mutation;
  if (database === 'postgres') return peer === 'apollo' && read ? 2 : null;
  if (peer === 'apollo') return id === 'W1' || id === 'W4' ? 1.5 : 3;
  return read ? 1.2 : null;
}

export type Verdict = 'met' | 'NOT met' | 'not measured' | 'no target';

/** Ours (JWT) ÷ a peer by server CPU time per request (peer µs ÷ ours µs), against the target. */
export function verdictOf(results: Results, database: BenchDatabase, peer: 'apollo' | 'mercurius', id: WorkloadId): { ratio: number | null; verdict: Verdict } {
  const target = targetOf(database, peer, id);
  const ours = cpuOf(results, 'ours-jwt', id);
  const theirs = cpuOf(results, peer, id);
  const ratio = ours !== null && theirs !== null && ours > 0 ? theirs / ours : null;
  if (target === null) return { ratio, verdict: 'no target' };
  if (ratio === null) return { ratio, verdict: 'not measured' };
  return { ratio, verdict: ratio >= target ? 'met' : 'NOT met' };
}

/**
 * The targets of the issue, per workload, for ours with auth on and the JWT: by server CPU time per
 * request (the verdict), with req/s beside it. SQLite: every read ≥ 3× Apollo (W1 ≥ 1.5×) and
 * ≥ 1.2× Mercurius + JIT, W4 ≥ 1.5× Apollo. PostgreSQL: every read ≥ 2× Apollo.
 */
export function targetsTable(results: Results, database: BenchDatabase): string[] {
  const cell = (server: ServerId, id: WorkloadId) => {
    const m = results.get(server)?.get(id);
    return m ? `${m.cpuUs === null ? '—' : fmt(m.cpuUs)} · ${fmt(m.rps)}` : '—';
  };
  const against = (peer: 'apollo' | 'mercurius', id: WorkloadId) => {
    const { ratio, verdict } = verdictOf(results, database, peer, id);
    const a = rps(results, 'ours-jwt', id);
    const b = rps(results, peer, id);
    const byRps = a !== null && b !== null ? ` (req/s ${fmt(a / b, 2)}×)` : '';
    const target = targetOf(database, peer, id);
    return `${ratio === null ? '—' : `${fmt(ratio, 2)}×`}${byRps} | ${target === null ? '—' : `≥ ${target}×`} | ${verdict === 'no target' ? '—' : verdict}`;
  };
  const lines = [
    '| workload | ours (JWT): CPU µs/req · req/s | Apollo: CPU µs/req · req/s | ours ÷ Apollo by CPU (by req/s) | target | | Mercurius + JIT: CPU µs/req · req/s | ours ÷ Mercurius by CPU (by req/s) | target | |',
    '|---|--:|--:|--:|--:|---|--:|--:|--:|---|',
  ];
  const verdicts: Verdict[] = [];
  for (const id of IDS) {
    if (!results.get('ours-jwt')?.has(id)) continue;
    lines.push(`| ${id} | ${cell('ours-jwt', id)} | ${cell('apollo', id)} | ${against('apollo', id)} | ${cell('mercurius', id)} | ${against('mercurius', id)} |`);
    verdicts.push(verdictOf(results, database, 'apollo', id).verdict, verdictOf(results, database, 'mercurius', id).verdict);
  }
  const judged = verdicts.filter((v) => v === 'met' || v === 'NOT met');
  const missing = verdicts.filter((v) => v === 'not measured').length;
  lines.push(
    '',
    `Targets met: ${judged.filter((v) => v === 'met').length} of ${judged.length} measured${missing ? `; ${missing} not measured in this run` : ''}. ` +
      'The ratio is the peer\'s server CPU time per request ÷ ours (above 1: ours spends less); req/s is beside it, and lowered by anything else the host runs.',
  );
  return lines;
}

function sqlTable(sql: SqlCount[]): string[] {
  const lines = [
    '| identity | workload | statements, first such request | statements per request (steady) |',
    '|---|---|--:|--:|',
    ...sql.map((c) => `| ${c.identity} | ${c.workload} | ${c.first} | ${fmt(c.perRequest, c.perRequest % 1 ? 2 : 0)} |`),
    '',
    'The statements of one steady-state request:',
    '',
  ];
  // W2 and W3 of every identity; the client-shaped reads of ours with the JWT (the targets' row).
  for (const c of sql.filter((x) => x.workload === 'W2' || x.workload === 'W3' || (x.identity === 'JWT' && x.workload.startsWith('C')))) {
    lines.push(`- ${c.identity}, ${c.workload}:`);
    for (const s of c.statements) lines.push(`  - \`${s.replace(/`/g, "'")}\``);
  }
  return lines;
}

/** The SQL floor of each replayed request, and what it leaves for 3 × Apollo Server. */
export function floorSection(floor: readonly SqlFloor[], results: Results): string[] {
  if (floor.length === 0) return ['Not measured in this run.'];
  const of = (identity: string, id: WorkloadId) => floor.find((f) => f.identity === identity && f.workload === id) ?? null;
  const who = (identity: string) => (identity === PEERS_IDENTITY ? "the peers' (zero-auth through the resolvers, LOCAL_ADMIN)" : `ours, ${identity}`);
  const lines = [
    "The statements of one steady-state request (those listed above, with their parameters) replayed in a fresh process pinned to the server's core, through the driver every server here uses (Kysely over the prepared-statement cache), one request after another: that process's CPU time per request, the median of five slices taken in turn with the other requests'. It is measured once in every pass over the servers, so it shares their rounds' conditions, and the median of the passes is kept. No server that runs these statements can spend less on the request.",
    '',
    '| workload | identity | statements | replays | CPU µs/req in each pass | SQL floor, CPU µs/req (median) |',
    '|---|---|--:|--:|--:|--:|',
    ...floor.map((f) => `| ${f.workload} | ${who(f.identity)} | ${f.statements} | ${fmt(f.iterations)} | ${f.runs.map((us) => fmt(us)).join(' / ')} | ${fmt(f.cpuUs)} |`),
    '',
    "What that leaves for the 3 × Apollo Server target, in CPU time per request (whose ratios agree with the req/s ones above): ours may spend at most a third of Apollo's time, its floor included. The rest is a server's CPU time per request minus the floor of the statements it runs (the peers run the resolvers' statements, counted on ours with zero-auth and SKILLMEAT_SQL_EXECUTION=false).",
    '',
    "| workload | Apollo, µs/req | ours ÷ Apollo at best (Apollo ÷ ours' floor) | 3 × Apollo: ours at most, µs | of which left above the floor, µs | the rest, measured, µs: ours (JWT) · Mercurius + JIT · Apollo |",
    '|---|--:|--:|--:|--:|---|',
  ];
  for (const id of ['W2', 'W3'] as const) {
    const ours = of('JWT', id);
    const peers = of(PEERS_IDENTITY, id);
    const apollo = cpuOf(results, 'apollo', id);
    if (!ours || apollo === null) {
      lines.push(`| ${id} | ${apollo === null ? '—' : fmt(apollo)} | — | — | — | — |`);
      continue;
    }
    const rest = (cpuUs: number | null, f: SqlFloor | null) => (cpuUs === null || f === null ? '—' : fmt(cpuUs - f.cpuUs));
    const measured = [rest(cpuOf(results, 'ours-jwt', id), ours), rest(cpuOf(results, 'mercurius', id), peers), rest(apollo, peers)];
    lines.push(`| ${id} | ${fmt(apollo)} | ${fmt(apollo / ours.cpuUs, 2)}× | ${fmt(apollo / 3)} | ${fmt(apollo / 3 - ours.cpuUs)} | ${measured.join(' · ')} |`);
  }
  const oursW1 = cpuOf(results, 'ours-jwt', 'W1');
  const mercuriusW1 = cpuOf(results, 'mercurius', 'W1');
  if (oursW1 !== null && mercuriusW1 !== null) {
    lines.push('', `For scale: W1 runs no statement, and its whole request costs ours (JWT) ${fmt(oursW1)} µs and Mercurius + JIT ${fmt(mercuriusW1)} µs.`);
  }
  return lines;
}

function databaseSection(d: DatabaseReport): string[] {
  const sqlite = d.database === 'sqlite';
  const targets = sqlite
    ? 'every read (W1–W3, C1–C4) ≥ 3× Apollo Server (W1: ≥ 1.5×) and ≥ 1.2× Mercurius + JIT; W4 ≥ 1.5× Apollo Server'
    : 'every read (W1–W3, C1–C4) ≥ 2× Apollo Server';
  const skipped = 'Not measured on PostgreSQL: the statement counting (in-process, with `onQuery`) and the SQL floor (a replay through the SQLite driver) are SQLite-only (a run over both databases has them in its SQLite section).';
  return [
    `## ${d.title}`,
    '',
    `Data: ${d.dataset}`,
    '',
    '### Requests per second and latency (medians of the rounds)',
    '',
    ...resultsTable(d.results),
    '',
    `### Targets (ours with auth on and the JWT): ${targets}`,
    '',
    ...targetsTable(d.results, d.database),
    '',
    '### Ratios (requests per second)',
    '',
    ...ratioTable(d.results),
    '',
    '### Ratios (server CPU time per request)',
    '',
    'The same ratios from the server\'s own CPU time (user + system, every thread and process of it, read from /proc around each round): peer µs per request ÷ ours, so above 1 means ours spends less. Time a shared host steals, or the load generator falling behind, lowers req/s but not these.',
    '',
    ...ratioTable(d.results, perCpuSecond),
    '',
    '### SQL statements per request (counted with `onQuery`, our server in-process)',
    '',
    ...(d.sql ? sqlTable(d.sql) : [skipped]),
    '',
    '### The SQL floor: what the statements alone cost',
    '',
    ...(d.floor ? floorSection(d.floor, d.results) : [skipped]),
    '',
    '### Scale: SKILLMEAT_WORKERS',
    '',
    d.workers,
    '',
  ];
}

/** The workloads as listed: a one-line query inline, a client document as a code block with its variables. */
function workloadLines(): string[] {
  return IDS.flatMap((id) => {
    const w = WORKLOADS[id];
    if (w.variables === undefined) return [`- ${id}: ${w.title} — \`${w.query}\``];
    return [`- ${id}: ${w.title}; variables \`${JSON.stringify(w.variables)}\``, '', '  ```graphql', ...w.query.split('\n').map((l) => `  ${l}`), '  ```', ''];
  });
}

export function renderReport(input: ReportInput): string {
  return [
    '# Benchmarks',
    '',
    `Generated by \`${input.command}\` — do not edit by hand; rerun to refresh. Numbers drift between runs; compare the ratios.`,
    '',
    `- Date: ${input.date.toISOString()}`,
    `- Node: ${input.node}`,
    `- CPU: ${input.cpu} (${input.cores} cores)`,
    `- Pinning: ${input.pinning}`,
    `- Load average: ${input.load}`,
    `- CPU steal: ${stealLine(input.databases.map((d) => d.results))}`,
    `- Mode: ${input.mode}`,
    `- Databases: ${input.databases.map((d) => d.title).join(', then ')}`,
    '',
    '## Workloads',
    '',
    ...workloadLines(),
    '',
    'Every server × workload is checked first (HTTP 200, no `errors`; W1–W3 the expected number of items, C1–C4 the whole answer the seed implies); during the',
    'load every read must answer the checked body byte for byte and every W4 a `createArtifact` without `errors`.',
    '',
    ...input.databases.flatMap(databaseSection),
    '## Memory under sustained W2 load',
    '',
    input.soakDatabase ? `On ${input.soakDatabase}. ${input.soak}` : input.soak,
    ...(input.notes.length ? ['', '## Notes', '', ...input.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}
