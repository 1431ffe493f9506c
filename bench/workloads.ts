/**
 * The workloads and the check every server's answer must pass before it is measured: the four
 * hand-written ones (W1 me, W2 a page of 50 artifacts, W3 collections × artifacts × owner, W4
 * createArtifact), and the client-shaped reads C1–C4, written as graphql-codegen's client preset
 * sends operations: named, with variables in the request's `variables`, fragments spread at
 * several levels and `__typename` on every selection set. The C checks compare the whole answer
 * with what the seed (bench/seed-data.ts) implies for the caller.
 */
import { seedData } from './seed-data.js';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'C1' | 'C2' | 'C3' | 'C4';

/** Every workload, in the order they are run and reported (the mutation last: it adds artifacts). */
export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'C1', 'C2', 'C3', 'C4', 'W4'];
/** The client-shaped reads. */
export const CLIENT_IDS: readonly WorkloadId[] = ['C1', 'C2', 'C3', 'C4'];

/** Who asks, as a check needs to know: the role `me` reports, and whose TEAM rows it reads. */
export interface Expectation {
  role: string;
  /**
   * The team whose TEAM rows the caller reads besides every PUBLIC row; null: every team's
   * (as LOCAL_ADMIN and SYSTEM_ADMIN read). Left out, it follows from the role (admins: null).
   */
  team?: string | null;
}

export interface Workload {
  id: WorkloadId;
  title: string;
  query: string;
  /** Sent in the request's `variables` (with `operationName`) when set. */
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Reads answer the same bytes every time; a mutation's body is checked for shape instead. */
  mutation: boolean;
  /** Throws a description of what is wrong with a parsed `data`. */
  check(data: unknown, expect: Expectation): void;
}

const W2_QUERY =
  '{ artifacts(first: 50) { edges { node { id name type description tags visibility createdAt updatedAt owner { name } } } } }';
const W3_QUERY =
  '{ collections(first: 10) { edges { node { name artifacts(first: 10) { edges { node { name owner { name } } } } } } } }';
const W4_QUERY =
  'mutation { createArtifact(input: { name: "bench-w4", type: SKILL, tags: ["bench"] }) { artifact { id name type } } }';

type Json = Record<string, unknown>;

function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') throw new Error(`missing ${path.join('.')}`);
    current = (current as Json)[key as string];
  }
  return current;
}

function edges(value: unknown, path: string[], count: number | null): Json[] {
  const list = at(value, ...path, 'edges');
  if (!Array.isArray(list)) throw new Error(`${path.join('.')}.edges is not a list`);
  if (count !== null && list.length !== count) throw new Error(`${path.join('.')} has ${list.length} edges, expected ${count}`);
  return list.map((edge) => at(edge, 'node') as Json);
}

function ownerNamed(node: Json): void {
  if (typeof at(node, 'owner', 'name') !== 'string') throw new Error(`artifact ${String(node.name)} has no owner name`);
}

// ---- The client-shaped reads (C1–C4) ----

const USER_CHIP = 'fragment UserChip on User { __typename id name }';
const ARTIFACT_CARD = 'fragment ArtifactCard on Artifact { __typename id name type tags owner { ...UserChip } }';
const ARTIFACT_DETAIL = 'fragment ArtifactDetail on Artifact { ...ArtifactCard description visibility createdAt updatedAt }';
const PAGE_INFO = 'pageInfo { __typename hasNextPage endCursor }';

/** One operation and the fragments it spreads, on separate lines as a client's document prints. */
const document = (...parts: string[]) => parts.join('\n');

const ARTIFACTS_PAGE = document(
  `query ArtifactsPage($first: Int!, $after: String, $filter: ArtifactFilter) { artifacts(first: $first, after: $after, filter: $filter) { __typename totalCount ${PAGE_INFO} edges { __typename cursor node { ...ArtifactDetail } } } }`,
  ARTIFACT_DETAIL,
  ARTIFACT_CARD,
  USER_CHIP,
);
const COLLECTIONS_PAGE = document(
  `query CollectionsPage($first: Int!, $artifactsFirst: Int!) { collections(first: $first) { __typename totalCount ${PAGE_INFO} edges { __typename cursor node { ...CollectionCard } } } }`,
  `fragment CollectionCard on Collection { __typename id name description visibility artifacts(first: $artifactsFirst) { __typename totalCount ${PAGE_INFO} edges { __typename node { ...ArtifactCard } } } }`,
  ARTIFACT_CARD,
  USER_CHIP,
);
const ARTIFACT_LOOKUP = document(
  'query ArtifactLookup($nodeId: ID!, $artifactId: ID!) { node(id: $nodeId) { __typename id ... on Artifact { ...ArtifactCard } } artifact(id: $artifactId) { ...ArtifactDetail } }',
  ARTIFACT_DETAIL,
  ARTIFACT_CARD,
  USER_CHIP,
);

/** A Relay global id as src/ids.ts encodes it (base64 of `Type:rowId`), worked out here on its own. */
export function globalId(type: string, rowId: number): string {
  return Buffer.from(`${type}:${rowId}`, 'utf8').toString('base64');
}

/** C2's filter: every field of ArtifactFilter at once (a search that is not lower case, as typed). */
export const C2_FILTER = { search: 'Artifact-1', type: 'AGENT', tag: 't7' } as const;
/** C4's lookups: two PUBLIC artifacts (one of each team), so every bench identity reads them. */
export const C4_NODE_ROW = 42;
export const C4_ARTIFACT_ROW = 1001;

/** A string the server picks (a cursor): any non-empty string matches. */
const ANY_STRING = Symbol('any non-empty string');

interface SeedView {
  artifacts: { rowId: number; name: string; type: string; description: string; tags: string[]; visibility: string; teamId: string; ownerId: number; createdAt: string; updatedAt: string }[];
  userNames: Map<number, string>;
  collections: { rowId: number; name: string; description: string; visibility: string; teamId: string; members: number[] }[];
}

let seedView: SeedView | null = null;
/** The seed as rows with their ids (built once, on the first check). */
function seed(): SeedView {
  if (seedView) return seedView;
  const data = seedData();
  const members = new Map<number, number[]>();
  for (const m of data.members) members.set(m.collection_id, [...(members.get(m.collection_id) ?? []), m.artifact_id]);
  seedView = {
    artifacts: data.artifacts.map((a, i) => ({
      rowId: i + 1,
      name: a.name,
      type: a.type,
      description: a.description,
      tags: JSON.parse(a.tags) as string[],
      visibility: a.visibility,
      teamId: a.team_id,
      ownerId: a.owner_id,
      createdAt: a.created_at,
      updatedAt: a.updated_at,
    })),
    userNames: new Map(data.users.map((u, k) => [k + 1, u.name])),
    collections: data.collections.map((c, j) => ({
      rowId: j + 1,
      name: c.name,
      description: c.description,
      visibility: c.visibility,
      teamId: c.team_id,
      members: members.get(j + 1) ?? [],
    })),
  };
  return seedView;
}

const ADMIN_ROLES = ['LOCAL_ADMIN', 'SYSTEM_ADMIN'];

/** Whose TEAM rows `expect` reads (null: every team's). */
function teamOf(expect: Expectation): string | null {
  if (expect.team !== undefined) return expect.team;
  if (ADMIN_ROLES.includes(expect.role)) return null;
  throw new Error(`the check needs the team of the ${expect.role} caller`);
}

const readable = (team: string | null) => (row: { visibility: string; teamId: string }) => team === null || row.visibility === 'PUBLIC' || row.teamId === team;

type Seeded = SeedView['artifacts'][number];

function artifactCard(a: Seeded): Json {
  const owner = seed().userNames.get(a.ownerId);
  return {
    __typename: 'Artifact',
    id: globalId('Artifact', a.rowId),
    name: a.name,
    type: a.type,
    tags: a.tags,
    owner: owner === undefined ? null : { __typename: 'User', id: globalId('User', a.ownerId), name: owner },
  };
}

function artifactDetail(a: Seeded): Json {
  return { ...artifactCard(a), description: a.description, visibility: a.visibility, createdAt: a.createdAt, updatedAt: a.updatedAt };
}

/** A connection as the documents select it: the first `first` of `rows`, in id order. */
function connection<T>(rows: T[], first: number, node: (row: T) => Json, cursors: boolean): Json {
  const page = rows.slice(0, first);
  return {
    __typename: '',
    totalCount: rows.length,
    pageInfo: { __typename: 'PageInfo', hasNextPage: rows.length > first, endCursor: page.length ? ANY_STRING : null },
    edges: page.map((row) => ({ __typename: '', ...(cursors ? { cursor: ANY_STRING } : {}), node: node(row) })),
  };
}

/** Names the connection's and its edges' types (`ArtifactConnection`, `ArtifactEdge`). */
function typed(value: Json, type: string): Json {
  return { ...value, __typename: `${type}Connection`, edges: (value.edges as Json[]).map((e) => ({ ...e, __typename: `${type}Edge` })) };
}

/** What ArtifactsPage answers the caller for `first` and `filter`, from the seed. */
export function expectedArtifactsPage(expect: Expectation, first: number, filter: { search?: string; type?: string; tag?: string } = {}): Json {
  const search = filter.search?.toLowerCase();
  const rows = seed().artifacts.filter(
    (a) =>
      readable(teamOf(expect))(a) &&
      (filter.type === undefined || a.type === filter.type) &&
      (filter.tag === undefined || a.tags.includes(filter.tag)) &&
      (search === undefined || a.name.toLowerCase().includes(search) || a.description.toLowerCase().includes(search)),
  );
  return { artifacts: typed(connection(rows, first, artifactDetail, true), 'Artifact') };
}

/** What CollectionsPage answers the caller, from the seed. */
export function expectedCollectionsPage(expect: Expectation, first: number, artifactsFirst: number): Json {
  const team = teamOf(expect);
  const byId = new Map(seed().artifacts.map((a) => [a.rowId, a]));
  const rows = seed().collections.filter(readable(team));
  const card = (c: SeedView['collections'][number]): Json => {
    const members = [...c.members].sort((x, y) => x - y).map((id) => byId.get(id)!).filter(readable(team));
    return {
      __typename: 'Collection',
      id: globalId('Collection', c.rowId),
      name: c.name,
      description: c.description,
      visibility: c.visibility,
      artifacts: typed(connection(members, artifactsFirst, artifactCard, false), 'Artifact'),
    };
  };
  return { collections: typed(connection(rows, first, card, true), 'Collection') };
}

/** What ArtifactLookup answers the caller, from the seed. */
export function expectedLookup(expect: Expectation, nodeRow: number, artifactRow: number): Json {
  const team = teamOf(expect);
  const row = (rowId: number) => {
    const a = seed().artifacts[rowId - 1];
    return a && readable(team)(a) ? a : null;
  };
  const node = row(nodeRow);
  const artifact = row(artifactRow);
  return { node: node && artifactCard(node), artifact: artifact && artifactDetail(artifact) };
}

/** The first place `got` differs from `expected` (every key both ways, lists by position), or null. */
export function difference(expected: unknown, got: unknown, path = 'data'): string | null {
  if (expected === ANY_STRING) return typeof got === 'string' && got.length > 0 ? null : `${path} is ${JSON.stringify(got)}, expected a non-empty string`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return `${path} is ${JSON.stringify(got)}, expected a list`;
    if (got.length !== expected.length) return `${path} has ${got.length} items, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = difference(expected[i], got[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return `${path} is ${JSON.stringify(got)}, expected an object`;
    const want = expected as Json;
    const have = got as Json;
    for (const key of Object.keys(want)) {
      if (!(key in have)) return `${path}.${key} is missing`;
      const d = difference(want[key], have[key], `${path}.${key}`);
      if (d) return d;
    }
    const extra = Object.keys(have).find((key) => !(key in want));
    return extra === undefined ? null : `${path}.${extra} was not asked for`;
  }
  return Object.is(expected, got) ? null : `${path} is ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`;
}

function same(expected: Json, got: unknown): void {
  const d = difference(expected, got);
  if (d) throw new Error(d);
}

/** C2's filter, checked on its own first: a clearer message than a difference at one position. */
function filtered(data: unknown): void {
  for (const node of edges(data, ['artifacts'], null)) {
    if (node.type !== C2_FILTER.type) throw new Error(`artifact ${String(node.name)} is ${String(node.type)}, not ${C2_FILTER.type}: the type filter did not filter`);
    if (!Array.isArray(node.tags) || !node.tags.includes(C2_FILTER.tag)) throw new Error(`artifact ${String(node.name)} has no tag ${C2_FILTER.tag}: the tag filter did not filter`);
    const text = `${String(node.name)} ${String(node.description)}`.toLowerCase();
    if (!text.includes(C2_FILTER.search.toLowerCase())) throw new Error(`artifact ${String(node.name)} does not match search "${C2_FILTER.search}"`);
  }
}

const CLIENT_WORKLOADS: Record<'C1' | 'C2' | 'C3' | 'C4', Workload> = {
  C1: {
    id: 'C1',
    title: 'client-shaped ArtifactsPage: 50 artifacts through fragments, pageInfo, totalCount, variables',
    query: ARTIFACTS_PAGE,
    operationName: 'ArtifactsPage',
    variables: { first: 50 },
    mutation: false,
    check: (data, expect) => same(expectedArtifactsPage(expect, 50), data),
  },
  C2: {
    id: 'C2',
    title: `client-shaped ArtifactsPage filtered by search, type and tag (the $filter variable ${JSON.stringify(C2_FILTER)})`,
    query: ARTIFACTS_PAGE,
    operationName: 'ArtifactsPage',
    variables: { first: 50, filter: C2_FILTER },
    mutation: false,
    check: (data, expect) => {
      filtered(data);
      same(expectedArtifactsPage(expect, 50, C2_FILTER), data);
    },
  },
  C3: {
    id: 'C3',
    title: 'client-shaped CollectionsPage: 10 collections × their first 10 artifacts × owner, pageInfo and totalCount at both levels',
    query: COLLECTIONS_PAGE,
    operationName: 'CollectionsPage',
    variables: { first: 10, artifactsFirst: 10 },
    mutation: false,
    check: (data, expect) => same(expectedCollectionsPage(expect, 10, 10), data),
  },
  C4: {
    id: 'C4',
    title: 'client-shaped ArtifactLookup: node(id) with an inline fragment and artifact(id), by global id',
    query: ARTIFACT_LOOKUP,
    operationName: 'ArtifactLookup',
    variables: { nodeId: globalId('Artifact', C4_NODE_ROW), artifactId: globalId('Artifact', C4_ARTIFACT_ROW) },
    mutation: false,
    check: (data, expect) => {
      const want = expectedLookup(expect, C4_NODE_ROW, C4_ARTIFACT_ROW);
      if (want.node === null || want.artifact === null) throw new Error('the C4 rows must be readable by every bench identity');
      same(want, data);
    },
  },
};

export const WORKLOADS: Record<WorkloadId, Workload> = {
  W1: {
    id: 'W1',
    title: "the caller's role",
    query: '{ me { role } }',
    mutation: false,
    check: (data, expect) => {
      const role = at(data, 'me', 'role');
      if (role !== expect.role) throw new Error(`me.role is ${String(role)}, expected ${expect.role}`);
    },
  },
  W2: {
    id: 'W2',
    title: '50 artifacts × 8 fields + owner',
    query: W2_QUERY,
    mutation: false,
    check: (data) => {
      for (const node of edges(data, ['artifacts'], 50)) {
        for (const field of ['id', 'name', 'type', 'tags', 'visibility', 'createdAt', 'updatedAt']) {
          if (node[field] == null) throw new Error(`artifact field ${field} is missing`);
        }
        if (!('description' in node)) throw new Error('artifact field description is missing');
        ownerNamed(node);
      }
    },
  },
  W3: {
    id: 'W3',
    title: '10 collections × 10 artifacts × owner',
    query: W3_QUERY,
    mutation: false,
    check: (data) => {
      for (const collection of edges(data, ['collections'], 10)) {
        for (const artifact of edges(collection, ['artifacts'], 10)) ownerNamed(artifact);
      }
    },
  },
  W4: {
    id: 'W4',
    title: '`createArtifact` mutation',
    query: W4_QUERY,
    mutation: true,
    check: (data) => {
      if (typeof at(data, 'createArtifact', 'artifact', 'id') !== 'string') throw new Error('createArtifact returned no id');
    },
  },
  ...CLIENT_WORKLOADS,
};

/** W3 with wider pages (50 collections × 20 artifacts): its statement count must not grow. */
export const W3_WIDE: Workload = {
  ...WORKLOADS.W3,
  title: 'W3 with 50 collections × 20 artifacts',
  query: WORKLOADS.W3.query.replace('collections(first: 10)', 'collections(first: 50)').replace('artifacts(first: 10)', 'artifacts(first: 20)'),
  check: (data) => {
    for (const collection of edges(data, ['collections'], 50)) {
      for (const artifact of edges(collection, ['artifacts'], 20)) ownerNamed(artifact);
    }
  },
};

/** A W4 answer as the load generator sees it: cheap, but catches errors in a 200. */
export function looksLikeCreated(body: string): boolean {
  return body.includes('"createArtifact"') && !body.includes('"errors"');
}

/** The POST body: `{query}`, or, for a client-shaped operation, `{query, variables, operationName}` as a client sends it. */
export function requestBody(workload: Workload): string {
  if (workload.variables === undefined && workload.operationName === undefined) return JSON.stringify({ query: workload.query });
  return JSON.stringify({ query: workload.query, variables: workload.variables ?? {}, operationName: workload.operationName ?? null });
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' } as const;

/**
 * One request, checked: HTTP 200, no `errors`, the expected shape and count. Returns the raw
 * body (what the load generator then expects, byte for byte, for reads). Throws loudly.
 */
export async function verify(
  url: string,
  workload: Workload,
  headers: Record<string, string>,
  expect: Expectation,
): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: requestBody(workload),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const fail = (why: string) => new Error(`${workload.id} at ${url}: ${why}\n  body: ${text.slice(0, 400)}`);
  if (response.status !== 200) throw fail(`HTTP ${response.status}`);
  let parsed: { data?: unknown; errors?: unknown[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw fail('the body is not JSON');
  }
  if (parsed.errors?.length) throw fail('the answer has errors');
  try {
    workload.check(parsed.data, expect);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  return text;
}
