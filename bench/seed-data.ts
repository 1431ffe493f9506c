/**
 * The bench data set as plain rows, with no database import (the load generator and the
 * workloads' checks read it too): 2 teams, 50 users, 2,000 artifacts (with tags), 100
 * collections of 20 artifacts each. Row ids follow insertion order in fresh tables (1, 2, …), in
 * SQLite and PostgreSQL alike. Shaped so a TEAM_MEMBER of team-a and an admin of all both see
 * full pages: PUBLIC collections hold only PUBLIC artifacts, TEAM collections only their own team's.
 */

export const TEAMS = ['team-a', 'team-b'] as const;
export const USER_COUNT = 50;
export const ARTIFACT_COUNT = 2_000;
export const COLLECTION_COUNT = 100;
export const COLLECTION_SIZE = 20;

/** The user the bench JWT stands for; its claims match the seeded row, so no write on sight. */
export const JWT_USER = { sub: 'bench-user-1', email: 'user1@bench.test', name: 'Bench User 1', org_id: 'team-a', org_role: 'org:member' };

export const ARTIFACT_TYPES = ['SKILL', 'COMMAND', 'AGENT', 'MCP', 'HOOK'] as const;
const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');

const at = (seconds: number) => new Date(BASE_TIME + seconds * 1000).toISOString();
const teamOf = (i: number) => TEAMS[i % 2]!;
const visibilityOf = (i: number) => (i % 4 < 2 ? 'PUBLIC' : 'TEAM');

export interface SeedUser {
  subject: string;
  email: string;
  name: string;
  role: string;
  team_id: string;
  created_at: string;
  updated_at: string;
}

export interface SeedArtifact {
  name: string;
  type: (typeof ARTIFACT_TYPES)[number];
  description: string;
  /** JSON text of the tag list, as the artifacts table keeps it. */
  tags: string;
  visibility: string;
  team_id: string;
  owner_id: number;
  created_at: string;
  updated_at: string;
}

export interface SeedCollection {
  name: string;
  description: string;
  visibility: string;
  team_id: string;
  owner_id: number;
  created_at: string;
  updated_at: string;
}

export interface SeedData {
  users: SeedUser[];
  artifacts: SeedArtifact[];
  tags: { artifact_id: number; tag: string }[];
  collections: SeedCollection[];
  members: { collection_id: number; artifact_id: number; created_at: string }[];
}

/** Every row of the data set, in insertion order (the row of index i has id i + 1). */
export function seedData(): SeedData {
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
  const half = USER_COUNT / 2;
  const ownerOf = (i: number) => (i % 2 === 0 ? 1 : half + 1) + (i % half);

  const artifacts = Array.from({ length: ARTIFACT_COUNT }, (_, i) => ({
    name: `artifact-${i + 1}`,
    type: ARTIFACT_TYPES[i % ARTIFACT_TYPES.length]!,
    description: `Benchmark artifact number ${i + 1}, a ${ARTIFACT_TYPES[i % ARTIFACT_TYPES.length]!.toLowerCase()} for agents.`,
    tags: JSON.stringify(['bench', `t${i % 10}`]),
    visibility: visibilityOf(i),
    team_id: teamOf(i),
    owner_id: ownerOf(i),
    created_at: at(100 + i),
    updated_at: at(100 + i),
  }));
  const tags = artifacts.flatMap((_, i) => [
    { artifact_id: i + 1, tag: 'bench' },
    { artifact_id: i + 1, tag: `t${i % 10}` },
  ]);

  const collections = Array.from({ length: COLLECTION_COUNT }, (_, j) => ({
    name: `collection-${j + 1}`,
    description: `Benchmark collection ${j + 1}`,
    visibility: visibilityOf(j),
    team_id: teamOf(j),
    owner_id: ownerOf(j),
    created_at: at(5_000 + j),
    updated_at: at(5_000 + j),
  }));

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
  return { users, artifacts, tags, collections, members };
}
