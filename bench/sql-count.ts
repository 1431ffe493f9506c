/**
 * SQL statements per request, counted: our server started in this process with startApp and an
 * onQuery counter, one request of each workload at a time. The first request of an identity is
 * reported apart (it may fetch the JWKS, sync the user, stamp a key's last use).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { PEERS_IDENTITY } from './options.js';
import { JWT_USER } from './seed-data.js';
import { CLIENT_IDS, JSON_HEADERS, verify, W3_WIDE, WORKLOADS, type Workload } from './workloads.js';

export interface SqlCount {
  identity: string;
  /** W2, W3, W3 with wider pages, or C1–C4. */
  workload: string;
  /** Statements of the identity's first request of this workload. */
  first: number;
  /** Statements per request over the next REPEAT requests. */
  perRequest: number;
  /** The statements of one steady-state request, shortened. */
  statements: string[];
  /** The same statements whole, with their parameters: what bench/sql-floor.ts replays. */
  replay: ReplayStatement[];
}

export interface ReplayStatement {
  sql: string;
  parameters: unknown[];
}

export interface AuthEnv {
  /** The environment of our server with auth on (clerk at the bench issuer, the PAT secret). */
  env: Record<string, string>;
  jwt: string;
  patSecret: string;
}

const REPEAT = 5;
const COUNTED: [string, Workload][] = [
  ['W2', WORKLOADS.W2],
  ['W3', WORKLOADS.W3],
  ['W3, 50 × 20', W3_WIDE],
  ...CLIENT_IDS.map((id): [string, Workload] => [id, WORKLOADS[id]]),
];

/** A statement on one line, cut to 110 characters, as the report lists it. */
export const shorten = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 107)}…` : flat;
};

interface Identity {
  name: string;
  headers: Record<string, string>;
  role: string;
  /** Whose TEAM rows it reads (the C checks); left out: every team's. */
  team?: string;
}

async function countFor(config: Config, identities: (url: string) => Promise<Identity[]>) {
  const statements: ReplayStatement[] = [];
  const app = await startApp(config, {
    logger: createLogger('silent'),
    onQuery: (sql, parameters) => statements.push({ sql, parameters: [...parameters] }),
  });
  const counts: SqlCount[] = [];
  try {
    const url = `${app.url}/graphql`;
    for (const identity of await identities(url)) {
      for (const [id, workload] of COUNTED) {
        const run = async () => {
          statements.length = 0;
          await verify(url, workload, identity.headers, { role: identity.role, ...(identity.team !== undefined ? { team: identity.team } : {}) });
          await app.flushBackground();
          return [...statements];
        };
        const first = (await run()).length;
        let total = 0;
        let last: ReplayStatement[] = [];
        for (let i = 0; i < REPEAT; i++) {
          last = await run();
          total += last.length;
        }
        counts.push({
          identity: identity.name,
          workload: id,
          first,
          perRequest: total / REPEAT,
          statements: last.map((s) => shorten(s.sql)),
          replay: last,
        });
      }
    }
  } finally {
    await app.close(1_000);
  }
  return counts;
}

export async function countStatements(seeded: string, tmp: string, auth: AuthEnv): Promise<SqlCount[]> {
  const zeroDb = join(tmp, 'sql-count-zero.db');
  const authDb = join(tmp, 'sql-count-auth.db');
  copyFileSync(seeded, zeroDb);
  copyFileSync(seeded, authDb);
  const base = { HOST: '127.0.0.1', PORT: '0', SKILLMEAT_LOG_LEVEL: 'silent' };
  const zero = await countFor(loadConfig({ ...base, DATABASE_URL: zeroDb }), async () => [
    { name: 'zero-auth', headers: {}, role: 'LOCAL_ADMIN' },
  ]);
  // The peers serve the same resolvers with no auth: the statements of zero-auth with the SQL path off.
  const peersDb = join(tmp, 'sql-count-peers.db');
  copyFileSync(seeded, peersDb);
  const peers = await countFor(loadConfig({ ...base, DATABASE_URL: peersDb, SKILLMEAT_SQL_EXECUTION: 'false' }), async () => [
    { name: PEERS_IDENTITY, headers: {}, role: 'LOCAL_ADMIN' },
  ]);
  const authed = await countFor(loadConfig({ ...base, ...auth.env, DATABASE_URL: authDb }), async (url): Promise<Identity[]> => {
    const key = await createApiKey(url, auth.patSecret);
    return [
      { name: 'JWT', headers: { authorization: `Bearer ${auth.jwt}` }, role: 'TEAM_MEMBER', team: JWT_USER.org_id },
      { name: 'API key', headers: { 'x-api-key': key }, role: 'SYSTEM_ADMIN' },
    ];
  });
  return [...zero, ...authed, ...peers];
}

/** An API key issued by createApiKey, asked for with the Enterprise PAT (SYSTEM_ADMIN). */
export async function createApiKey(url: string, patSecret: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, authorization: `Bearer ${patSecret}` },
    body: JSON.stringify({
      query: 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }',
      variables: { input: { name: 'bench', scopes: ['artifacts:read', 'artifacts:write', 'collections:read', 'collections:write'] } },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const secret = (JSON.parse(text) as { data?: { createApiKey?: { secret?: string } } }).data?.createApiKey?.secret;
  if (response.status !== 200 || !secret) throw new Error(`createApiKey with the Enterprise PAT failed (HTTP ${response.status}): ${text.slice(0, 300)}`);
  return secret;
}
