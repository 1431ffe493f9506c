/**
 * Execution as the GraphQL spec says it: a document of several operations runs exactly the
 * operation its request names, every time (a cache keyed by the document alone would rerun the
 * first one run: here a mutation, again); and a response's keys come in the order the fields are
 * collected, fragments included. graphql-jit, which this server used to compile documents with,
 * wrote the fields after a fragment spread first (`{ collection { ...F artifacts { … } } }`
 * answered artifacts before F's fields), so it was removed (docs/performance.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

const DOCUMENT = `
  mutation Make { createArtifact(input: { name: "named-operation", type: SKILL }) { artifact { name } } }
  query Count { artifacts(first: 0) { totalCount } }
`;

describe('operation selection and response order', () => {
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

  it('writes response keys in collection order, fragments included, on the resolvers and on the fast path', async () => {
    const { data } = (await run(undefined, 'mutation { createCollection(input: { name: "ordered" }) { collection { id } } }')) as { data: { createCollection: { collection: { id: string } } } };
    const id = data.createCollection.collection.id;
    // me is the resolvers'; collection(id) the fast path's, and through the resolvers when its @include is false.
    for (const query of [
      `query($id: ID!) { me { ...V role } collection(id: $id) { ...F artifacts(first: 1) { totalCount } } } fragment F on Collection { id name } fragment V on Viewer { teamId }`,
      `query($id: ID!) { collection(id: $id) { ...F artifacts(first: 1) { totalCount } } } fragment F on Collection { id name }`,
    ]) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables: { id } }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      const collection = text.slice(text.indexOf('"collection":'));
      expect(collection).toBe(`"collection":{"id":"${id}","name":"ordered","artifacts":{"totalCount":0}}}}`);
      if (query.includes('me {')) expect(text).toContain('"me":{"teamId":"local","role":"LOCAL_ADMIN"}');
    }
  });
});
