/**
 * The four workloads (W1 me, W2 a page of 50 artifacts, W3 collections × artifacts × owner,
 * W4 createArtifact) and the check every server's answer must pass before it is measured.
 */

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4';

export interface Workload {
  id: WorkloadId;
  title: string;
  query: string;
  /** Reads answer the same bytes every time; a mutation's body is checked for shape instead. */
  mutation: boolean;
  /** Throws a description of what is wrong with a parsed `data`. */
  check(data: unknown, expect: { role: string }): void;
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

function edges(value: unknown, path: string[], count: number): Json[] {
  const list = at(value, ...path, 'edges');
  if (!Array.isArray(list)) throw new Error(`${path.join('.')}.edges is not a list`);
  if (list.length !== count) throw new Error(`${path.join('.')} has ${list.length} edges, expected ${count}`);
  return list.map((edge) => at(edge, 'node') as Json);
}

function ownerNamed(node: Json): void {
  if (typeof at(node, 'owner', 'name') !== 'string') throw new Error(`artifact ${String(node.name)} has no owner name`);
}

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

export function requestBody(workload: Workload): string {
  return JSON.stringify({ query: workload.query });
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
  expect: { role: string },
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
