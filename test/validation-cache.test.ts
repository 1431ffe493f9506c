/**
 * src/plugins/validation-cache.ts: a document is validated once per schema, and every answer is
 * the one Yoga's own validation cache gives, with the plugins before it run on each request over
 * what was kept (here one that rewrites messages, and does so again over a kept result, in both).
 */
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { useValidationCache } from '../src/plugins/validation-cache.js';

function server(ours: boolean) {
  let validations = 0;
  const counting: Plugin = {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        validations++;
        return validateFn(...args);
      });
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map((e) => new GraphQLError(`rewritten: ${e.message}`)));
      };
    },
  };
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }),
    ...(ours ? { parserAndValidationCache: { validationCache: false } } : {}),
    plugins: ours ? [counting, useValidationCache()] : [counting],
    logging: false,
  });
  const ask = async (query: string) => {
    const response = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { status: response.status, body: await response.text() };
  };
  return { ask, validations: () => validations };
}

describe('the validation cache', () => {
  it('validates a document once, and answers every request as Yoga with its own validation cache does', async () => {
    const ours = server(true);
    const yogas = server(false);
    const queries = ['{ hello }', '{ hello }', '{ nope }', '{ nope }', '{ nope }', '{ hello __typename }', '{ hello }'];
    for (const query of queries) {
      const answer = await ours.ask(query);
      expect(answer, query).toEqual(await yogas.ask(query));
      if (query === '{ hello }') expect(answer).toEqual({ status: 200, body: '{"data":{"hello":"world"}}' });
      else if (query === '{ nope }') expect(answer.body).toContain('rewritten: Cannot query field');
    }
    expect(ours.validations()).toBe(3);
    expect(yogas.validations()).toBe(3);
  });
});
