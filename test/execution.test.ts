/**
 * Execution is compiled per document (graphql-jit); a document of several operations must still
 * run exactly the operation its request names, every time — a cache keyed by the document alone
 * would rerun the first one compiled (here: a mutation, again).
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOneOperation } from '../src/plugins/compiled-execution.js';
import { startTestServer, type TestServer } from './support/server.js';

const DOCUMENT = `
  mutation Make { createArtifact(input: { name: "named-operation", type: SKILL }) { artifact { name } } }
  query Count { artifacts(first: 0) { totalCount } }
`;

describe('operation selection with compiled execution', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  async function run(operationName: string | undefined, query = DOCUMENT): Promise<unknown> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, operationName }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(200);
    return response.json();
  }

  it('runs the named operation of a many-operation document, not the one run before', async () => {
    expect(await run('Count')).toEqual({ data: { artifacts: { totalCount: 0 } } });
    expect(await run('Make')).toEqual({ data: { createArtifact: { artifact: { name: 'named-operation' } } } });
    for (let i = 0; i < 3; i++) expect(await run('Count')).toEqual({ data: { artifacts: { totalCount: 1 } } });
  });

  it('answers a one-operation document the same on every request (compiled after the first)', async () => {
    const query = '{ artifacts(first: 5) { totalCount edges { node { name type } } } }';
    const first = await run(undefined, query);
    expect(first).toEqual({ data: { artifacts: { totalCount: 1, edges: [{ node: { name: 'named-operation', type: 'SKILL' } }] } } });
    for (let i = 0; i < 3; i++) expect(await run(undefined, query)).toEqual(first);
  });
});

describe('hasOneOperation', () => {
  it('counts operations, not fragments', () => {
    expect(hasOneOperation(parse('{ me { role } }'))).toBe(true);
    expect(hasOneOperation(parse('query A { ...F } fragment F on Query { me { role } }'))).toBe(true);
    expect(hasOneOperation(parse(DOCUMENT))).toBe(false);
    expect(hasOneOperation(parse('fragment F on Query { me { role } }'))).toBe(false);
  });
});
