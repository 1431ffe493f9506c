/**
 * The drift check's comparison (scripts/contract.ts): our schema against the public contract
 * leaves only the items scripts/pending-contract.ts waits for, and the comparison itself
 * catches every kind of break a client would feel while allowing what no client can notice.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { contractProblems } from '../scripts/contract.js';
import { SHARED_CONTRACT_PATH, contractCopyProblem, readContract } from '../scripts/contract-copy.js';
import { PENDING_CONTRACT_ITEMS } from '../scripts/pending-contract.js';
import { printSdl, schema } from '../src/schema/index.js';

const CONTRACT_SDL = readContract();

describe('the live schema', () => {
  const problems = contractProblems(CONTRACT_SDL, schema);

  it('misses nothing of the contract but the pending items', () => {
    const unexpected = problems.filter((p) => !PENDING_CONTRACT_ITEMS.some((item) => p.includes(item.match)));
    expect(unexpected).toEqual([]);
  });

  it('still misses every pending item (the list only shrinks)', () => {
    const served = PENDING_CONTRACT_ITEMS.filter((item) => !problems.some((p) => p.includes(item.match)));
    expect(served).toEqual([]);
  });

  it('is what the committed schema.graphql says', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(printSdl());
  });
});

describe('contractProblems', () => {
  const CONTRACT = /* GraphQL */ `
    interface Node { id: ID! }
    enum Kind { A B }
    type Thing implements Node {
      id: ID!
      name: String
      label: String!
      kind: Kind!
      parts(first: Int, after: String): [Part!]!
    }
    type Part { n: Int }
    type Orphan { x: Int }
    input ThingInput { name: String! note: String }
    type Query { thing(id: ID!, first: Int): Thing things: [Thing!]! }
    type Mutation { make(input: ThingInput!): Thing! }
  `;

  /** The problems of a schema made from the contract with each [from, to] replacement applied. */
  const problemsWith = (...replacements: [string, string][]): string[] => {
    let sdl = CONTRACT;
    for (const [from, to] of replacements) {
      expect(sdl).toContain(from);
      sdl = sdl.replace(from, to);
    }
    return contractProblems(CONTRACT, buildSchema(sdl));
  };

  it('finds nothing in the contract itself, nor in a schema that only adds', () => {
    expect(problemsWith()).toEqual([]);
    expect(
      problemsWith(
        ['type Orphan { x: Int }', 'type Orphan { x: Int y: String! }\ntype Extra { z: Int }'],
        ['enum Kind { A B }', 'enum Kind { A B C }'],
        ['thing(id: ID!, first: Int)', 'thing(id: ID!, first: Int, extra: Int, withDefault: Int! = 3)'],
        ['input ThingInput { name: String! note: String }', 'input ThingInput { name: String! note: String more: String }'],
      ),
    ).toEqual([]);
  });

  it('finds a missing type', () => {
    expect(problemsWith(['type Orphan { x: Int }', ''])).toEqual(['type Orphan is missing']);
  });

  it('finds a type of another kind', () => {
    expect(problemsWith(['type Part { n: Int }', 'interface Part { n: Int }'])).toEqual([
      'type Part is a GraphQLInterfaceType, the contract has a GraphQLObjectType',
    ]);
  });

  it('finds a missing interface', () => {
    expect(problemsWith(['type Thing implements Node {', 'type Thing {'])).toEqual(['type Thing does not implement Node']);
  });

  it('finds a missing field', () => {
    expect(problemsWith(['label: String!', ''])).toEqual(['field Thing.label is missing']);
  });

  it('finds a missing enum value', () => {
    expect(problemsWith(['enum Kind { A B }', 'enum Kind { A }'])).toEqual(['enum value Kind.B is missing']);
  });

  it('finds a missing argument', () => {
    expect(problemsWith(['thing(id: ID!, first: Int)', 'thing(id: ID!)'])).toEqual(['argument Query.thing(first) is missing']);
  });

  it('finds a missing input field', () => {
    expect(problemsWith(['input ThingInput { name: String! note: String }', 'input ThingInput { name: String! }'])).toEqual([
      'input field ThingInput.note is missing',
    ]);
  });

  it('finds an output made nullable where the contract is non-null', () => {
    expect(problemsWith(['label: String!', 'label: String'])).toEqual(['field Thing.label is String, the contract has String!']);
    expect(problemsWith(['things: [Thing!]!', 'things: [Thing]!'])).toEqual([
      'field Query.things is [Thing]!, the contract has [Thing!]!',
    ]);
  });

  it('allows an output made non-null where the contract is nullable', () => {
    expect(problemsWith(['name: String', 'name: String!'], ['thing(id: ID!, first: Int): Thing', 'thing(id: ID!, first: Int): Thing!'])).toEqual(
      [],
    );
  });

  it('finds an output of another type or list shape', () => {
    expect(problemsWith(['name: String', 'name: Int'])).toEqual(['field Thing.name is Int, the contract has String']);
    expect(problemsWith(['name: String', 'name: [String]'])).toEqual(['field Thing.name is [String], the contract has String']);
  });

  it('finds an input made required where the contract is optional', () => {
    expect(problemsWith(['note: String }', 'note: String! }'])).toEqual([
      'input field ThingInput.note is String!, the contract has String',
    ]);
    expect(problemsWith(['thing(id: ID!, first: Int)', 'thing(id: ID!, first: Int!)'])).toEqual([
      'argument Query.thing(first) is Int!, the contract has Int',
    ]);
  });

  it('allows an input made optional where the contract requires it', () => {
    expect(problemsWith(['{ name: String! note', '{ name: String note'], ['thing(id: ID!', 'thing(id: ID'])).toEqual([]);
  });

  it('finds an extra required argument or input field', () => {
    expect(problemsWith(['thing(id: ID!, first: Int)', 'thing(id: ID!, first: Int, extra: Int!)'])).toEqual([
      'argument Query.thing(extra) is required but not in the contract',
    ]);
    expect(problemsWith(['parts(first: Int, after: String)', 'parts(first: Int, after: String, extra: String!)'])).toEqual([
      'argument Thing.parts(extra) is required but not in the contract',
    ]);
    expect(problemsWith(['note: String }', 'note: String more: String! }'])).toEqual([
      'input field ThingInput.more is required but not in the contract',
    ]);
  });
});

describe("the contract's copy in the repository", () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-copy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('is trusted alone, and when the shared copy beside it is byte-equal', () => {
    const copy = file('copy.graphql', readContract());
    expect(contractCopyProblem(copy, join(dir, 'no-shared', 'contract.graphql'))).toBeNull();
    expect(contractCopyProblem(copy, file('same.graphql', readContract()))).toBeNull();
  });

  it('is refused when missing, or when the shared copy differs by so much as a comment', () => {
    expect(contractCopyProblem(join(dir, 'missing.graphql'))).toMatch(/is not at/);
    const copy = file('copy2.graphql', readContract());
    const shared = file('changed.graphql', `${readContract()}\n# one more line\n`);
    expect(contractCopyProblem(copy, shared)).toMatch(/differs from .*changed\.graphql: copy the shared contract/);
  });

  // A clone with nothing beside it has nothing to compare with: the case is reported as skipped.
  it.skipIf(!existsSync(SHARED_CONTRACT_PATH))('matches ../shared/contract.graphql, which is beside the repository', () => {
    expect(readContract()).toBe(readFileSync(SHARED_CONTRACT_PATH, 'utf8'));
  });

  it('makes `npm run drift` fail when the shared copy differs, and pass when it is absent', () => {
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const script = fileURLToPath(new URL('../scripts/check-schema.ts', import.meta.url));
    const run = (shared: string) =>
      spawnSync(tsx, [script], { encoding: 'utf8', env: { ...process.env, SHARED_CONTRACT_PATH: shared }, timeout: 60_000 });
    const differs = run(file('drifted.graphql', readContract().replace('type Query', '# drifted\ntype Query')));
    expect(differs.status).toBe(1);
    expect(differs.stderr).toMatch(/contract: .* differs from .*drifted\.graphql/);
    const absent = run(join(dir, 'nowhere', 'contract.graphql'));
    expect(absent.stderr).toBe('');
    expect(absent.status).toBe(0);
    expect(absent.stdout).toMatch(/covers the contract/);
  }, 60_000);
});
