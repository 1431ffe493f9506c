/**
 * The direct path for plain JSON POSTs (src/http/graphql-post.ts) answers exactly as Yoga does.
 * Two servers share one SQLite file and one auth setup (provider local, so every plugin is
 * loaded): one with the direct path, one with every request through Yoga's fetch layer. Each
 * request of a matrix (bodies valid and not, Accept and Content-Type variants, an Origin, no
 * credential / a member's token / an admin's token / a bad token) is sent to both, and status,
 * headers and body must match byte for byte (apart from the date, the request id and framing).
 * A counter on the server tells which requests the direct path answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { graphqlParamsOf, isPlainGraphQLPost, withDirectGraphQLPost } from '../src/http/graphql-post.js';
import type { Logger } from '../src/logger.js';
import { signUp } from './support/idp.js';
import { startTestServer, type TestServer } from './support/server.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between any two answers, or only in framing. */
const INCIDENTAL = new Set(['date', 'x-request-id', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

async function send(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  const kept: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!INCIDENTAL.has(key)) kept[key] = value;
  });
  return { status: response.status, headers: kept, body: text };
}

const json = (value: unknown) => JSON.stringify(value);
const TWO_OPERATIONS = 'query A { me { role } } query B { __typename }';
const ALIASES = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`;

/** Bodies Yoga accepts as GraphQL params: the direct path must take them. */
const PLAIN_BODIES: Record<string, string> = {
  'me': json({ query: '{ me { role } }' }),
  'a list': json({ query: '{ artifacts(first: 3) { totalCount edges { node { name type visibility } } } }' }),
  'typename only (public)': json({ query: '{ __typename }' }),
  'variables': json({ query: 'query($n: Int) { artifacts(first: $n) { totalCount } }', variables: { n: 2 } }),
  'variables null, operationName null, extensions {}': json({ query: '{ __typename }', variables: null, operationName: null, extensions: {} }),
  'a syntax error': json({ query: '{ me { role }' }),
  'an unknown field': json({ query: '{ nope }' }),
  'a literal of the wrong type': json({ query: '{ artifacts(first: "x") { totalCount } }' }),
  'a variable that cannot be coerced': json({ query: 'query($n: Int!) { artifacts(first: $n) { totalCount } }', variables: { n: 'x' } }),
  'a missing required variable': json({ query: 'query($n: Int!) { artifacts(first: $n) { totalCount } }' }),
  'two operations, no operationName': json({ query: TWO_OPERATIONS }),
  'two operations, operationName B': json({ query: TWO_OPERATIONS, operationName: 'B' }),
  'an unknown operationName': json({ query: TWO_OPERATIONS, operationName: 'C' }),
  'too many aliases (Armor)': json({ query: ALIASES }),
  'too many tokens (Armor, while parsing)': json({ query: `{ ${'__typename '.repeat(3001)}}` }),
  'an empty query': json({ query: '' }),
  'a query of blanks': json({ query: '   ' }),
  'a mutation with a bad input': json({ query: 'mutation { createArtifact(input: { name: "", type: SKILL }) { artifact { id } } }' }),
  'a mutation the member may not run': json({ query: 'mutation { updateSettings(input: { allowPublicSignup: false }) { settings { allowPublicSignup } } }' }),
  'a root field the member may not read': json({ query: '{ users(first: 1) { totalCount } }' }),
  'a subscription-less query of node(id) with a bad id': json({ query: '{ node(id: "bm9wZQ==") { id } }' }),
};

/** Bodies Yoga refuses or reads differently: the direct path must leave them to Yoga. */
const OTHER_BODIES: Record<string, string> = {
  'invalid JSON': '{ "query": ',
  'empty': '',
  'a batch': json([{ query: '{ __typename }' }]),
  'null': 'null',
  'a string': json('{ __typename }'),
  'query not a string': json({ query: 1 }),
  'no query': json({ variables: {} }),
  'variables a list': json({ query: '{ __typename }', variables: [] }),
  'operationName a number': json({ query: '{ __typename }', operationName: 3 }),
  'an extra param': json({ query: '{ __typename }', extra: 1 }),
};

const ACCEPTS: (string | undefined)[] = [
  undefined,
  'application/json',
  'application/graphql-response+json',
  'application/graphql-response+json, application/json',
  'application/json; charset=utf-8',
  '*/*',
  'application/graphql-response+json;q=1, application/json;q=0.9',
  'text/event-stream',
  'multipart/mixed',
  'application/xml',
  'application/json; charset=latin1',
];

describe('the direct GraphQL POST path', () => {
  let direct: TestServer;
  let viaYoga: TestServer;
  const auth: Record<string, Record<string, string>> = { 'no credential': {}, 'a bad token': { authorization: 'Bearer not-a-token' } };

  beforeAll(async () => {
    // One issuer for both, so a token either server issued is valid on the other.
    const env = { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local', SKILLMEAT_PUBLIC_URL: 'http://skillmeat.test' };
    direct = await startTestServer({ env, directGraphQLPost: true });
    viaYoga = await startTestServer({ env, database: direct.database, directGraphQLPost: false });
    const admin = await signUp(direct.url, 'admin@example.test');
    const member = await signUp(direct.url, 'member@example.test');
    auth['the first user (admin)'] = { authorization: `Bearer ${admin.accessToken}` };
    auth['a second user'] = { authorization: `Bearer ${member.accessToken}` };
  });
  afterAll(async () => {
    await viaYoga?.stop({ drop: false });
    await direct?.stop();
  });

  const directly = () => direct.app.server.directAnswers();

  /** The same request to both servers; `taken`: whether the direct path answered it. */
  async function both(headers: Record<string, string>, body: string): Promise<{ ours: Answer; yoga: Answer; taken: boolean }> {
    const before = directly();
    const ours = await send(direct.url, headers, body);
    const taken = directly() > before;
    return { ours, yoga: await send(viaYoga.url, headers, body), taken };
  }

  it('takes exactly the bodies Yoga accepts as GraphQL params', () => {
    for (const [name, body] of Object.entries(PLAIN_BODIES)) expect(graphqlParamsOf(Buffer.from(body)), name).not.toBeNull();
    for (const [name, body] of Object.entries(OTHER_BODIES)) expect(graphqlParamsOf(Buffer.from(body)), name).toBeNull();
  });

  it('takes only POSTs to the endpoint itself, with a body read, a plain Host and no Origin', () => {
    const plain = { method: 'POST', url: '/graphql', body: Buffer.from('{}'), headers: { host: '127.0.0.1:4000', 'content-type': 'application/json' } };
    const taken = (changes: Record<string, unknown>, headers: Record<string, string | undefined> = {}) =>
      isPlainGraphQLPost({ ...plain, ...changes, headers: { ...plain.headers, ...headers } } as unknown as IncomingMessage, '/graphql');
    expect(taken({})).toBe(true);
    expect(taken({}, { host: 'localhost' })).toBe(true);
    expect(taken({}, { host: '[::1]:4000' })).toBe(true);
    expect(taken({}, { host: 'api.example.test' })).toBe(true);
    expect(taken({ method: 'GET' })).toBe(false);
    expect(taken({ url: '/graphql?x=1' })).toBe(false);
    expect(taken({ url: '/graphql/' })).toBe(false);
    expect(taken({ url: '/health' })).toBe(false);
    expect(taken({ body: undefined })).toBe(false);
    expect(taken({}, { host: undefined })).toBe(false);
    expect(taken({}, { host: 'a b' })).toBe(false);
    expect(taken({}, { host: 'user@host' })).toBe(false);
    expect(taken({}, { host: 'host/path' })).toBe(false);
    expect(taken({}, { origin: 'http://app.example.test' })).toBe(false);
    expect(taken({}, { 'access-control-request-method': 'POST' })).toBe(false);
    expect(taken({}, { 'content-type': undefined })).toBe(false);
    expect(taken({}, { accept: 'application/json, text/event-stream' })).toBe(false);
  });

  it('leaves every request to Yoga, with a warning, when Yoga lacks what the path calls', () => {
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    const yoga = Object.assign(() => {}, { getResultForParams: () => ({}) });
    const direct = withDirectGraphQLPost(yoga as never, logger);
    expect(direct.listener).toBe(yoga);
    expect(direct.answered()).toBe(0);
    expect(warnings).toHaveLength(1);
  });

  it('answers every body × Accept × credential as Yoga does', async () => {
    let takenCount = 0;
    for (const [who, credential] of Object.entries(auth)) {
      for (const accept of ACCEPTS) {
        for (const [name, body] of Object.entries({ ...PLAIN_BODIES, ...OTHER_BODIES })) {
          const headers = { 'content-type': 'application/json', ...(accept ? { accept } : {}), ...credential };
          const { ours, yoga, taken } = await both(headers, body);
          const label = `${name}, Accept ${accept ?? '(none)'}, ${who}`;
          expect(ours, label).toEqual(yoga);
          expect(viaYoga.app.server.directAnswers(), 'the other server never takes the direct path').toBe(0);
          if (taken) takenCount++;
          if (name in OTHER_BODIES) expect(taken, label).toBe(false);
        }
      }
    }
    // Every plain body with a JSON Accept (5 of the 10 values, and none) was answered directly.
    expect(takenCount).toBe(Object.keys(auth).length * 6 * Object.keys(PLAIN_BODIES).length);
  });

  it('answers Content-Type variants and requests with an Origin as Yoga does', async () => {
    const body = PLAIN_BODIES['a list']!;
    const credential = auth['a second user']!;
    const cases: [Record<string, string>, boolean][] = [
      [{ 'content-type': 'application/json; charset=utf-8' }, true],
      [{ 'content-type': 'application/json; charset=UTF-8' }, true],
      [{ 'content-type': 'Application/JSON' }, false],
      [{ 'content-type': 'application/json ; charset=utf-8' }, false],
      [{ 'content-type': 'application/json;charset="utf-8"' }, true],
      [{ 'content-type': 'application/graphql+json' }, false],
      [{ 'content-type': 'application/json; charset=latin1' }, false],
      [{ 'content-type': 'text/plain' }, false],
      [{ 'content-type': 'application/json', origin: 'http://app.example.test' }, false],
    ];
    for (const [headers, taken] of cases) {
      const answers = await both({ ...headers, ...credential }, body);
      const label = JSON.stringify(headers);
      expect(answers.ours, label).toEqual(answers.yoga);
      expect(answers.taken, label).toBe(taken);
    }
  });

  it('runs a mutation once and answers it as Yoga does', async () => {
    const credential = { 'content-type': 'application/json', ...auth['the first user (admin)']! };
    const create = (name: string) =>
      json({ query: 'mutation($name: String!) { createArtifact(input: { name: $name, type: SKILL }) { artifact { name type } } }', variables: { name } });
    const before = directly();
    const ours = await send(direct.url, credential, create('made directly'));
    expect(directly(), 'the mutation took the direct path').toBe(before + 1);
    const yoga = await send(viaYoga.url, credential, create('made via Yoga'));
    expect(ours.status).toBe(200);
    expect(ours.headers).toEqual(yoga.headers);
    expect(JSON.parse(ours.body)).toEqual({ data: { createArtifact: { artifact: { name: 'made directly', type: 'SKILL' } } } });
    expect(JSON.parse(yoga.body)).toEqual({ data: { createArtifact: { artifact: { name: 'made via Yoga', type: 'SKILL' } } } });
    const count = await send(direct.url, credential, json({ query: '{ artifacts(first: 0, filter: { search: "made directly" }) { totalCount } }' }));
    expect(JSON.parse(count.body)).toEqual({ data: { artifacts: { totalCount: 1 } } });
  });
});
