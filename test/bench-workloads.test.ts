/**
 * The bench's client-shaped workloads (bench/workloads.ts): each is sent as a client sends it
 * ({query, variables, operationName}) and only uses fields of schema.graphql; each check()
 * accepts the answer the seed implies for the caller and refuses one with a field missing or
 * extra, a wrong __typename, global id, totalCount or pageInfo, or a filter that did not filter.
 * The answers here are made by hand from the seed's rules (bench/seed-data.ts), not by a server.
 * And the report's targets: which ratio meets which target. No timing is asserted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, print, validate, visit, type SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../bench/measure.js';
import { ROOT } from '../bench/options.js';
import { renderReport, targetOf, targetsTable, verdictOf, type Results, type ServerId } from '../bench/report.js';
import { CLIENT_IDS, difference, requestBody, WORKLOADS, type WorkloadId } from '../bench/workloads.js';

// Hand-made answers, spoiled at deep paths below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const ADMIN = { role: 'LOCAL_ADMIN' };
const MEMBER = { role: 'TEAM_MEMBER', team: 'team-a' };

/** Artifact row `id` as the seed's rules make it (i = id - 1): type by i % 5, tag t(i % 10), PUBLIC when i % 4 < 2, team by i % 2. */
function card(id: number): Json {
  const i = id - 1;
  const owner = (i % 2 === 0 ? 1 : 26) + (i % 25);
  return {
    __typename: 'Artifact',
    id: b64(`Artifact:${id}`),
    name: `artifact-${id}`,
    type: ['SKILL', 'COMMAND', 'AGENT', 'MCP', 'HOOK'][i % 5],
    tags: ['bench', `t${i % 10}`],
    owner: { __typename: 'User', id: b64(`User:${owner}`), name: `Bench User ${owner}` },
  };
}
function detail(id: number): Json {
  const c = card(id);
  const at = new Date(Date.parse('2025-01-01T00:00:00.000Z') + (100 + id - 1) * 1000).toISOString();
  return { ...c, description: `Benchmark artifact number ${id}, a ${String(c.type).toLowerCase()} for agents.`, visibility: (id - 1) % 4 < 2 ? 'PUBLIC' : 'TEAM', createdAt: at, updatedAt: at };
}
function page(type: string, ids: number[], total: number, node: (id: number) => Json, cursors = true): Json {
  return {
    __typename: `${type}Connection`,
    totalCount: total,
    pageInfo: { __typename: 'PageInfo', hasNextPage: total > ids.length, endCursor: ids.length ? `cursor-${ids.at(-1)}` : null },
    edges: ids.map((id) => ({ __typename: `${type}Edge`, ...(cursors ? { cursor: `cursor-${id}` } : {}), node: node(id) })),
  };
}
const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);
const clone = (value: Json): Json => structuredClone(value);

describe('client-shaped workloads: the requests', () => {
  const schema = buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8'));

  it('are named operations with their fragments, valid against schema.graphql, sent with variables and operationName', () => {
    for (const id of CLIENT_IDS) {
      const w = WORKLOADS[id];
      expect(validate(schema, parse(w.query)), id).toEqual([]);
      const body = JSON.parse(requestBody(w)) as Json;
      expect(Object.keys(body)).toEqual(['query', 'variables', 'operationName']);
      expect(body.query).toMatch(new RegExp(`^query ${body.operationName}\\(`));
      expect(body.variables).toEqual(w.variables);
      // __typename in every selection set but the operation's own, as the client preset writes it
      // (directly, or through the fragment the set spreads).
      const document = parse(w.query);
      const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
      const typed = (set: SelectionSetNode): boolean =>
        set.selections.some(
          (s) =>
            (s.kind === Kind.FIELD && s.name.value === '__typename') ||
            (s.kind === Kind.FRAGMENT_SPREAD && typed(fragments.get(s.name.value)!.selectionSet)) ||
            (s.kind === Kind.INLINE_FRAGMENT && typed(s.selectionSet)),
        );
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
      let sets = 0;
      visit(document, {
        SelectionSet(set, _key, parent) {
          if (parent === operation) return;
          sets++;
          expect(typed(set), `${id}: a selection set without __typename: ${print(set).slice(0, 80)}`).toBe(true);
        },
      });
      expect(sets).toBeGreaterThan(4);
      expect(fragments.size).toBeGreaterThanOrEqual(2);
    }
    expect(JSON.parse(requestBody(WORKLOADS.W2))).toEqual({ query: WORKLOADS.W2.query });
    expect(WORKLOADS.C2.variables).toEqual({ first: 50, filter: { search: 'Artifact-1', type: 'AGENT', tag: 't7' } });
  });

  it('work out cursors as opaque, nothing else', () => {
    expect(difference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBeNull();
    expect(difference({ a: [1] }, { a: [1, 2] })).toBe('data.a has 2 items, expected 1');
    expect(difference({ a: 1 }, { a: 1, b: 2 })).toBe('data.b was not asked for');
    expect(difference({ a: 1, b: 2 }, { a: 1 })).toBe('data.b is missing');
  });
});

describe('client-shaped workloads: the checks', () => {
  it('C1 accepts the first 50 artifacts an admin reads of 2,000, and a team-a member’s of 1,500', () => {
    const admin = { artifacts: page('Artifact', range(1, 50), 2000, detail) };
    expect(() => WORKLOADS.C1.check(admin, ADMIN)).not.toThrow();
    // team-a reads PUBLIC rows (i % 4 < 2) and its own TEAM rows (i % 4 = 2): ids with (id - 1) % 4 < 3.
    const memberIds = range(1, 80).filter((id) => (id - 1) % 4 < 3).slice(0, 50);
    const member = { artifacts: page('Artifact', memberIds, 1500, detail) };
    expect(() => WORKLOADS.C1.check(member, MEMBER)).not.toThrow();
    expect(() => WORKLOADS.C1.check(admin, MEMBER)).toThrow(/totalCount is 2000, expected 1500/);
    expect(() => WORKLOADS.C1.check(member, { role: 'TEAM_MEMBER' })).toThrow(/needs the team/);
  });

  it('C1 refuses a missing field, a wrong __typename, a wrong global id, an empty cursor and a wrong hasNextPage', () => {
    const good = { artifacts: page('Artifact', range(1, 50), 2000, detail) };
    const cases: [(d: Json) => void, RegExp][] = [
      [(d) => delete d.artifacts.edges[3].node.updatedAt, /edges\[3\]\.node\.updatedAt is missing/],
      [(d) => delete d.artifacts.edges[0].node.owner.__typename, /owner\.__typename is missing/],
      [(d) => (d.artifacts.edges[7].node.__typename = 'Collection'), /edges\[7\]\.node\.__typename is "Collection", expected "Artifact"/],
      [(d) => (d.artifacts.__typename = 'ArtifactEdge'), /artifacts\.__typename/],
      [(d) => (d.artifacts.edges[1].node.id = b64('Artifact:99')), /edges\[1\]\.node\.id/],
      [(d) => (d.artifacts.edges[2].node.owner.name = null), /owner\.name is null/],
      [(d) => (d.artifacts.edges[4].cursor = ''), /edges\[4\]\.cursor is "", expected a non-empty string/],
      [(d) => (d.artifacts.pageInfo.hasNextPage = false), /hasNextPage is false, expected true/],
      [(d) => d.artifacts.edges.pop(), /edges has 49 items, expected 50/],
      [(d) => (d.artifacts.edges[0].node.extra = 1), /was not asked for/],
      [(d) => (d.artifacts.edges[0].node.tags = ['t0', 'bench']), /tags\[0\]/],
    ];
    for (const [spoil, message] of cases) {
      const data = clone(good);
      spoil(data);
      expect(() => WORKLOADS.C1.check(data, ADMIN)).toThrow(message);
    }
  });

  it('C2 accepts only what the filter lets through: AGENT, tag t7, "artifact-1" in the name', () => {
    // i % 10 = 7 (so AGENT and t7), name artifact-1…: ids 18, 108, 118, …, 198, 1008, 1018, …
    const all = range(1, 2000).filter((id) => (id - 1) % 10 === 7 && String(id).startsWith('1'));
    expect(all).toHaveLength(111);
    const data = { artifacts: page('Artifact', all.slice(0, 50), all.length, detail) };
    expect(() => WORKLOADS.C2.check(data, ADMIN)).not.toThrow();
    const member = all.filter((id) => (id - 1) % 4 < 3);
    expect(() => WORKLOADS.C2.check({ artifacts: page('Artifact', member.slice(0, 50), member.length, detail) }, MEMBER)).not.toThrow();

    const unfiltered = { artifacts: page('Artifact', range(1, 50), 2000, detail) };
    expect(() => WORKLOADS.C2.check(unfiltered, ADMIN)).toThrow(/artifact-1 is SKILL, not AGENT: the type filter did not filter/);
    const noTag = clone(data);
    noTag.artifacts.edges[5].node.tags = ['bench', 't2'];
    expect(() => WORKLOADS.C2.check(noTag, ADMIN)).toThrow(/has no tag t7: the tag filter did not filter/);
    const wrongCount = clone(data);
    wrongCount.artifacts.totalCount = 200;
    expect(() => WORKLOADS.C2.check(wrongCount, ADMIN)).toThrow(/totalCount is 200, expected 111/);
  });

  it('C3 accepts 10 collections × their 10 first artifacts (by id) with totalCount and pageInfo at both levels', () => {
    // Collection j (0-based) holds pool[(20 j + k) % 1000], k < 20: the PUBLIC artifacts for a PUBLIC collection (j % 4 < 2), else its team's.
    const publicIds = range(1, 2000).filter((id) => (id - 1) % 4 < 2);
    const teamIds = (team: number) => range(1, 2000).filter((id) => (id - 1) % 2 === team);
    const collection = (id: number): Json => {
      const j = id - 1;
      const pool = j % 4 < 2 ? publicIds : teamIds(j % 2);
      const members = range(0, 20).map((k) => pool[(20 * j + k) % pool.length]!).sort((a, b) => a - b);
      return {
        __typename: 'Collection',
        id: b64(`Collection:${id}`),
        name: `collection-${id}`,
        description: `Benchmark collection ${id}`,
        visibility: j % 4 < 2 ? 'PUBLIC' : 'TEAM',
        artifacts: page('Artifact', members.slice(0, 10), 20, card, false),
      };
    };
    const admin = { collections: page('Collection', range(1, 10), 100, collection) };
    expect(() => WORKLOADS.C3.check(admin, ADMIN)).not.toThrow();
    const memberIds = range(1, 14).filter((id) => (id - 1) % 4 < 3).slice(0, 10);
    expect(() => WORKLOADS.C3.check({ collections: page('Collection', memberIds, 75, collection) }, MEMBER)).not.toThrow();
    expect(() => WORKLOADS.C3.check(admin, MEMBER)).toThrow(/collections\.totalCount is 100, expected 75/);

    const inner = clone(admin);
    inner.collections.edges[2].node.artifacts.totalCount = 10;
    expect(() => WORKLOADS.C3.check(inner, ADMIN)).toThrow(/edges\[2\]\.node\.artifacts\.totalCount is 10, expected 20/);
    const innerPage = clone(admin);
    delete innerPage.collections.edges[9].node.artifacts.pageInfo.__typename;
    expect(() => WORKLOADS.C3.check(innerPage, ADMIN)).toThrow(/artifacts\.pageInfo\.__typename is missing/);
    const owner = clone(admin);
    owner.collections.edges[0].node.artifacts.edges[0].node.owner = null;
    expect(() => WORKLOADS.C3.check(owner, ADMIN)).toThrow(/owner is null, expected an object|owner is null/);
  });

  it('C4 accepts node(id) through the inline fragment and artifact(id), written out in full', () => {
    const data = {
      node: {
        __typename: 'Artifact',
        id: 'QXJ0aWZhY3Q6NDI=',
        name: 'artifact-42',
        type: 'COMMAND',
        tags: ['bench', 't1'],
        owner: { __typename: 'User', id: 'VXNlcjo0Mg==', name: 'Bench User 42' },
      },
      artifact: {
        __typename: 'Artifact',
        id: 'QXJ0aWZhY3Q6MTAwMQ==',
        name: 'artifact-1001',
        type: 'SKILL',
        tags: ['bench', 't0'],
        owner: { __typename: 'User', id: 'VXNlcjox', name: 'Bench User 1' },
        description: 'Benchmark artifact number 1001, a skill for agents.',
        visibility: 'PUBLIC',
        createdAt: '2025-01-01T00:18:20.000Z',
        updatedAt: '2025-01-01T00:18:20.000Z',
      },
    };
    expect(WORKLOADS.C4.variables).toEqual({ nodeId: data.node.id, artifactId: data.artifact.id });
    expect(() => WORKLOADS.C4.check(data, ADMIN)).not.toThrow();
    expect(() => WORKLOADS.C4.check(data, MEMBER)).not.toThrow();
    expect(() => WORKLOADS.C4.check({ ...data, node: null }, ADMIN)).toThrow(/data\.node is null, expected an object/);
    expect(() => WORKLOADS.C4.check({ ...data, node: { __typename: 'Artifact', id: data.node.id } }, ADMIN)).toThrow(/node\.name is missing/);
    expect(() => WORKLOADS.C4.check({ node: data.node }, ADMIN)).toThrow(/data\.artifact is missing/);
  });
});

describe('the report’s targets for ours with the JWT', () => {
  const m = (cpuUs: number): Measurement => ({ rps: 1e6 / cpuUs, p50: 1, p99: 1, cpuUs, rounds: [] });
  const results = (cpu: Partial<Record<ServerId, Partial<Record<WorkloadId, number>>>>): Results =>
    new Map(Object.entries(cpu).map(([server, by]) => [server as ServerId, new Map(Object.entries(by).map(([id, us]) => [id as WorkloadId, m(us)]))]));

  it('are the issue’s: reads ≥ 3× Apollo (W1 1.5×) and ≥ 1.2× Mercurius, W4 ≥ 1.5× Apollo; on PostgreSQL reads ≥ 2× Apollo', () => {
    expect(['W1', 'W2', 'W3', 'C1', 'C2', 'C3', 'C4', 'W4'].map((id) => targetOf('sqlite', 'apollo', id as WorkloadId))).toEqual([1.5, 3, 3, 3, 3, 3, 3, 1.5]);
    expect(targetOf('sqlite', 'mercurius', 'C3')).toBe(1.2);
    expect(targetOf('sqlite', 'mercurius', 'W4')).toBeNull();
    expect(targetOf('postgres', 'apollo', 'C2')).toBe(2);
    expect(targetOf('postgres', 'apollo', 'W4')).toBeNull();
    expect(targetOf('postgres', 'mercurius', 'W2')).toBeNull();
  });

  it('are judged by CPU time per request: the peer’s ÷ ours', () => {
    const r = results({ 'ours-jwt': { C1: 100, C2: 100, W4: 100 }, apollo: { C1: 300, C2: 299, W4: 150 }, mercurius: { C1: 120 } });
    expect(verdictOf(r, 'sqlite', 'apollo', 'C1')).toEqual({ ratio: 3, verdict: 'met' });
    expect(verdictOf(r, 'sqlite', 'apollo', 'C2').verdict).toBe('NOT met');
    expect(verdictOf(r, 'sqlite', 'mercurius', 'C1').verdict).toBe('met');
    expect(verdictOf(r, 'sqlite', 'mercurius', 'C2').verdict).toBe('not measured');
    expect(verdictOf(r, 'sqlite', 'apollo', 'W4').verdict).toBe('met');
    expect(verdictOf(r, 'postgres', 'apollo', 'C2').verdict).toBe('met');
    const table = targetsTable(r, 'sqlite').join('\n');
    expect(table).toContain('| C1 | 100 · 10,000 | 300 · 3,333 | 3.00× (req/s 3.00×) | ≥ 3× | met | 120 · 8,333 | 1.20× (req/s 1.20×) | ≥ 1.2× | met |');
    expect(table).toMatch(/Targets met: 3 of 4 measured; 1 not measured/);
  });

  it('render one section per database, SQLite then PostgreSQL, each with its own targets, the SQL sections skipped on PostgreSQL', () => {
    const r = results({ 'ours-jwt': { C3: 100 }, apollo: { C3: 250 } });
    const database = (d: 'sqlite' | 'postgres', title: string) => ({ database: d, title, dataset: `${title} data`, results: r, sql: d === 'sqlite' ? [] : null, floor: d === 'sqlite' ? [] : null, workers: 'n/a' });
    const report = renderReport({
      command: 'npm run bench -- --soak',
      date: new Date(0),
      node: 'v0',
      cpu: 'cpu',
      cores: 2,
      pinning: 'none',
      load: '0',
      mode: 'full',
      databases: [database('sqlite', 'SQLite'), database('postgres', 'PostgreSQL 15.20')],
      soak: 'soaked',
      soakDatabase: 'SQLite',
      notes: [],
    });
    expect(report).toContain('- Databases: SQLite, then PostgreSQL 15.20');
    expect(report.indexOf('## SQLite')).toBeLessThan(report.indexOf('## PostgreSQL 15.20'));
    expect(report).toContain('| C3 | 100 · 10,000 | 250 · 4,000 | 2.50× (req/s 2.50×) | ≥ 3× | NOT met |');
    expect(report).toContain('| C3 | 100 · 10,000 | 250 · 4,000 | 2.50× (req/s 2.50×) | ≥ 2× | met |');
    expect(report.match(/Not measured on PostgreSQL/g)).toHaveLength(2);
    expect(report).toContain('On SQLite. soaked');
    for (const id of ['C1', 'C2', 'C3', 'C4']) expect(report).toContain(`- ${id}: client-shaped`);
  });
});
