/**
 * The bench data set, written straight into one SQLite file with Kysely in one transaction:
 * 2 teams, 50 users, 2,000 artifacts (with tags), 100 collections of 20 artifacts each.
 * Shaped so a TEAM_MEMBER of team-a and an admin of all both see full pages: PUBLIC
 * collections hold only PUBLIC artifacts, TEAM collections only their own team's.
 */
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';

export const TEAMS = ['team-a', 'team-b'] as const;
export const USER_COUNT = 50;
export const ARTIFACT_COUNT = 2_000;
export const COLLECTION_COUNT = 100;
export const COLLECTION_SIZE = 20;

/** The user the bench JWT stands for; its claims match the seeded row, so no write on sight. */
export const JWT_USER = { sub: 'bench-user-1', email: 'user1@bench.test', name: 'Bench User 1', org_id: 'team-a', org_role: 'org:member' };

const TYPES = ['SKILL', 'COMMAND', 'AGENT', 'MCP', 'HOOK'] as const;
const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');
const CHUNK = 200;

const at = (seconds: number) => new Date(BASE_TIME + seconds * 1000).toISOString();
const teamOf = (i: number) => TEAMS[i % 2]!;
const visibilityOf = (i: number) => (i % 4 < 2 ? 'PUBLIC' : 'TEAM');

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

export async function seedDatabase(path: string): Promise<void> {
  const database = createDatabase({ dialect: 'sqlite', url: path });
  try {
    await migrateToLatest(database.db);
    await database.db.transaction().execute(async (trx) => {
      // Users 1–25 are team-a, 26–50 team-b (ids follow insertion order in a fresh table).
      const users = Array.from({ length: USER_COUNT }, (_, k) => ({
        subject: `bench-user-${k + 1}`,
        email: `user${k + 1}@bench.test`,
        name: `Bench User ${k + 1}`,
        role: 'TEAM_MEMBER',
        team_id: k < USER_COUNT / 2 ? TEAMS[0] : TEAMS[1],
        created_at: at(k),
        updated_at: at(k),
      }));
      for (const rows of chunks(users)) await trx.insertInto('users').values(rows).execute();
      const half = USER_COUNT / 2;
      const ownerOf = (i: number) => (i % 2 === 0 ? 1 : half + 1) + (i % half);

      const artifacts = Array.from({ length: ARTIFACT_COUNT }, (_, i) => ({
        name: `artifact-${i + 1}`,
        type: TYPES[i % TYPES.length]!,
        description: `Benchmark artifact number ${i + 1}, a ${TYPES[i % TYPES.length]!.toLowerCase()} for agents.`,
        tags: JSON.stringify(['bench', `t${i % 10}`]),
        visibility: visibilityOf(i),
        team_id: teamOf(i),
        owner_id: ownerOf(i),
        created_at: at(100 + i),
        updated_at: at(100 + i),
      }));
      for (const rows of chunks(artifacts)) await trx.insertInto('artifacts').values(rows).execute();
      const tags = artifacts.flatMap((_, i) => [
        { artifact_id: i + 1, tag: 'bench' },
        { artifact_id: i + 1, tag: `t${i % 10}` },
      ]);
      for (const rows of chunks(tags)) await trx.insertInto('artifact_tags').values(rows).execute();

      const collections = Array.from({ length: COLLECTION_COUNT }, (_, j) => ({
        name: `collection-${j + 1}`,
        description: `Benchmark collection ${j + 1}`,
        visibility: visibilityOf(j),
        team_id: teamOf(j),
        owner_id: ownerOf(j),
        created_at: at(5_000 + j),
        updated_at: at(5_000 + j),
      }));
      for (const rows of chunks(collections)) await trx.insertInto('collections').values(rows).execute();

      const publicIds = artifacts.flatMap((a, i) => (a.visibility === 'PUBLIC' ? [i + 1] : []));
      const teamIds = (team: string) => artifacts.flatMap((a, i) => (a.team_id === team ? [i + 1] : []));
      const byTeam = new Map(TEAMS.map((t) => [t, teamIds(t)]));
      const members = collections.flatMap((c, j) => {
        const pool = c.visibility === 'PUBLIC' ? publicIds : byTeam.get(c.team_id)!;
        return Array.from({ length: COLLECTION_SIZE }, (_, k) => ({
          collection_id: j + 1,
          artifact_id: pool[(j * COLLECTION_SIZE + k) % pool.length]!,
          created_at: at(6_000 + j),
        }));
      });
      for (const rows of chunks(members)) await trx.insertInto('collection_artifacts').values(rows).execute();
    });
    // Everything in the main file, so plain copies of it are complete.
    if (database.raw.dialect === 'sqlite') database.raw.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await database.close();
  }
}
