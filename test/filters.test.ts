import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListArtifactsDocument, type ArtifactFilter, type CreateArtifactInput } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { graphqlOk } from './support/graphql.js';
import { createArtifact } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

/** The catalogue every filter runs against, by a short key. */
const CATALOGUE = {
  alpha: { name: 'Alpha Skill', type: 'SKILL', tags: ['python', 'cli'], description: 'Parses CSV files' },
  beta: { name: 'beta command', type: 'COMMAND', tags: ['cli'], description: 'Handles 50% of cases' },
  gamma: { name: 'Gamma', type: 'AGENT', tags: ['python'], description: 'Runs 500 jobs' },
  underscore: { name: 'under_score', type: 'MCP', tags: [], description: null },
  lookalike: { name: 'underXscore', type: 'HOOK', tags: ['cli'], description: 'A near miss' },
  shouting: { name: 'PYTHON helper', type: 'SKILL', tags: ['go'], description: null },
  delta: { name: 'Delta', type: 'COMMAND', tags: ['python', 'go'], description: 'Uses Python inside' },
  windows: { name: 'Windows paths', type: 'SKILL', tags: [], description: 'Writes to C:\\temp' },
  accents: { name: 'Café Über', type: 'AGENT', tags: ['unicode'], description: null },
} satisfies Record<string, CreateArtifactInput>;
type Key = keyof typeof CATALOGUE;

describe.each(DIALECTS)('artifact filters ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  const idOf = new Map<Key, string>();

  beforeAll(async () => {
    if (skip) return;
    server = await startTestServer({ dialect });
    for (const [key, input] of Object.entries(CATALOGUE) as [Key, CreateArtifactInput][]) {
      idOf.set(key, (await createArtifact(server.url, input)).id);
    }
  });
  afterAll(async () => server?.stop());

  /** The keys the filter returns (in id order, which is catalogue order), checked against totalCount. */
  async function matching(filter: ArtifactFilter): Promise<Key[]> {
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, { first: 100, filter });
    const keys = artifacts.edges.map((e) => [...idOf].find(([, id]) => id === e.node.id)?.[0]);
    expect(artifacts.totalCount, `totalCount for ${JSON.stringify(filter)}`).toBe(keys.length);
    expect(artifacts.pageInfo.hasNextPage).toBe(false);
    return keys as Key[];
  }

  it.skipIf(skip)('an empty filter matches everything', async () => {
    expect(await matching({})).toEqual(Object.keys(CATALOGUE));
    expect(await matching({ type: null, tag: null, search: null })).toEqual(Object.keys(CATALOGUE));
  });

  it.skipIf(skip)('type keeps one artifact type', async () => {
    expect(await matching({ type: 'SKILL' })).toEqual(['alpha', 'shouting', 'windows']);
    expect(await matching({ type: 'COMMAND' })).toEqual(['beta', 'delta']);
    expect(await matching({ type: 'MCP' })).toEqual(['underscore']);
    expect(await matching({ type: 'HOOK' })).toEqual(['lookalike']);
  });

  it.skipIf(skip)('tag keeps the artifacts carrying that tag', async () => {
    expect(await matching({ tag: 'python' })).toEqual(['alpha', 'gamma', 'delta']);
    expect(await matching({ tag: 'cli' })).toEqual(['alpha', 'beta', 'lookalike']);
    expect(await matching({ tag: 'go' })).toEqual(['shouting', 'delta']);
    expect(await matching({ tag: 'no-such-tag' })).toEqual([]);
  });

  it.skipIf(skip)('search matches the name and the description, ignoring case', async () => {
    // "python" is in two names/descriptions; alpha and gamma only carry it as a tag.
    expect(await matching({ search: 'python' })).toEqual(['shouting', 'delta']);
    expect(await matching({ search: 'PyThOn' })).toEqual(['shouting', 'delta']);
    expect(await matching({ search: 'csv files' })).toEqual(['alpha']);
    expect(await matching({ search: 'BETA' })).toEqual(['beta']);
    expect(await matching({ search: 'gam' })).toEqual(['gamma']);
    expect(await matching({ search: 'nowhere to be found' })).toEqual([]);
  });

  it.skipIf(skip)('search ignores case beyond ASCII too', async () => {
    expect(await matching({ search: 'über' })).toEqual(['accents']);
    expect(await matching({ search: 'CAFÉ' })).toEqual(['accents']);
  });

  it.skipIf(skip)('search takes %, _ and \\ literally', async () => {
    // Unescaped, "50%" would be the pattern %50%% and match "Runs 500 jobs" too.
    expect(await matching({ search: '50%' })).toEqual(['beta']);
    expect(await matching({ search: '%' })).toEqual(['beta']);
    // Unescaped, "_" matches any one character: underXscore must not come back.
    expect(await matching({ search: 'under_score' })).toEqual(['underscore']);
    expect(await matching({ search: '_' })).toEqual(['underscore']);
    expect(await matching({ search: '\\' })).toEqual(['windows']);
    expect(await matching({ search: 'C:\\temp' })).toEqual(['windows']);
  });

  it.skipIf(skip)('search takes quotes and SQL-looking text as plain text', async () => {
    expect(await matching({ search: "' or '1'='1" })).toEqual([]);
    expect(await matching({ search: '"; drop table artifacts; --' })).toEqual([]);
    expect(await matching({})).toHaveLength(Object.keys(CATALOGUE).length);
  });

  it.skipIf(skip)('filters combine with AND', async () => {
    expect(await matching({ type: 'SKILL', tag: 'python' })).toEqual(['alpha']);
    expect(await matching({ type: 'COMMAND', tag: 'python' })).toEqual(['delta']);
    expect(await matching({ tag: 'cli', search: 'under' })).toEqual(['lookalike']);
    expect(await matching({ type: 'SKILL', search: 'python' })).toEqual(['shouting']);
    expect(await matching({ type: 'COMMAND', tag: 'go', search: 'inside' })).toEqual(['delta']);
    expect(await matching({ type: 'AGENT', tag: 'cli' })).toEqual([]);
  });

  it.skipIf(skip)('totalCount follows the filter, not the page size', async () => {
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, { first: 1, filter: { tag: 'python' } });
    expect(artifacts.totalCount).toBe(3);
    expect(artifacts.edges).toHaveLength(1);
    expect(artifacts.pageInfo.hasNextPage).toBe(true);

    const next = await graphqlOk(server.url, ListArtifactsDocument, {
      first: 5,
      after: artifacts.pageInfo.endCursor,
      filter: { tag: 'python' },
    });
    expect(next.artifacts.edges.map((e) => e.node.id)).toEqual([idOf.get('gamma'), idOf.get('delta')]);
    expect(next.artifacts.totalCount).toBe(3);
    expect(next.artifacts.pageInfo.hasNextPage).toBe(false);
  });
});
