/**
 * graphql-shield 7.6.5 (its last release) imports `util.isUndefined`, which Node 23 removed:
 * without patches/graphql-shield+7.6.5.patch (applied by patch-package on `npm ci`) its ESM
 * build fails to load on Node 24/26 and its CommonJS build throws inside chain()/race(). These
 * tests load both builds the way the server does and run chain/race rules through shield's
 * middleware on a real schema, on whatever Node runs the suite (CI runs 20, 24 and 26).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { graphql, buildSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, chain, deny, race, rule, shield } from 'graphql-shield';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const shieldRoot = require.resolve('graphql-shield').replace(/cjs\/index\.js$/, '');

const yes = rule({ cache: 'no_cache' })(() => true);
const no = rule({ cache: 'no_cache' })(() => false);
const why = rule({ cache: 'no_cache' })(() => new Error('because'));

const schema = buildSchema(`type Query {
  chainYes: String chainNo: String chainEmpty: String
  raceYes: String raceNo: String raceError: String raceEmpty: String
}`);
const root = Object.fromEntries(Object.keys(schema.getQueryType()!.getFields()).map((name) => [name, () => name]));

const protectedSchema = applyMiddleware(
  schema,
  shield(
    {
      Query: {
        chainYes: chain(yes, allow, yes),
        chainNo: chain(yes, no, yes),
        chainEmpty: chain(),
        raceYes: race(no, no, yes),
        raceNo: race(no, deny, no),
        raceError: race(no, why),
        raceEmpty: race(),
      },
    },
    { fallbackRule: deny, allowExternalErrors: true },
  ),
);

describe('graphql-shield on this Node', () => {
  it('neither build imports util.isUndefined (the patch is applied)', () => {
    for (const build of ['esm/rules.js', 'cjs/rules.js']) {
      const source = readFileSync(`${shieldRoot}${build}`, 'utf8');
      expect(source, build).not.toMatch(/isUndefined/);
      expect(source, build).toMatch(/rule === undefined/);
    }
  });

  it('chain() passes only when every rule passes, race() when any does', async () => {
    const result = await graphql({
      schema: protectedSchema,
      source: '{ chainYes chainNo chainEmpty raceYes raceNo raceError raceEmpty }',
      rootValue: root,
      contextValue: {},
    });
    expect(result.data).toEqual({
      chainYes: 'chainYes',
      chainNo: null,
      // An empty chain has no rule that failed; an empty race has none that passed.
      chainEmpty: 'chainEmpty',
      raceYes: 'raceYes',
      raceNo: null,
      raceError: null,
      raceEmpty: null,
    });
    const messages = Object.fromEntries((result.errors ?? []).map((e) => [String(e.path?.[0]), e.message]));
    expect(messages).toEqual({ chainNo: 'Not Authorised!', raceNo: 'Not Authorised!', raceError: 'because', raceEmpty: 'Not Authorised!' });
  });

  it('the CommonJS build evaluates chain() and race() too', async () => {
    const cjs = require('graphql-shield') as { chain: typeof chain; race: typeof race };
    const call = [{}, {}, { _shield: { cache: {} } } as never, {} as never, {} as never] as const;
    await expect(cjs.chain(yes, yes).resolve(...call)).resolves.toBe(true);
    await expect(cjs.chain(yes, no).resolve(...call)).resolves.toBe(false);
    await expect(cjs.race(no, yes).resolve(...call)).resolves.toBe(true);
    await expect(cjs.race(no, no).resolve(...call)).resolves.toBe(false);
  });
});
