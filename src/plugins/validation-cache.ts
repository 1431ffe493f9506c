/**
 * Validation results kept per schema and parsed document, in place of Yoga's own validation
 * cache (its document cache stays: `parserAndValidationCache: { validationCache: false }` in
 * src/server.ts). Yoga keys its cache by the names of the request's validation rules as well,
 * which it works out on every request by reading the `name` of each of the ~30 rules and joining
 * them, a cost of every small request (docs/performance.md). On this server the rules never vary
 * between requests (the specified rules, GraphQL Armor's four, and input-error-codes.ts's
 * BAD_USER_INPUT variant of one: each plugin adds the same ones every time), so the schema and
 * the document decide the result alone.
 *
 * Listed after every plugin with an onValidate hook, as Yoga's cache comes after them: its
 * after-hook runs last, so what it keeps is what Yoga's kept (field suggestions masked by Armor,
 * and node-limit.ts's own error, which that plugin strips from a kept result and works out again
 * with the request's variables). WeakMaps: a result goes with its document, which Yoga's
 * bounded document cache drops.
 */
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** What a validation gives: its errors (GraphQLErrors, or Errors a rule threw). */
type ValidationResult = Parameters<Parameters<NonNullable<Plugin['onValidate']>>[0]['setResult']>[0];

export function useValidationCache(): Plugin {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, ValidationResult>>();
  return {
    onValidate({ params: { schema, documentAST }, setResult }) {
      if (schema == null) return;
      let byDocument = bySchema.get(schema);
      if (!byDocument) bySchema.set(schema, (byDocument = new WeakMap()));
      const kept = byDocument.get(documentAST);
      if (kept) {
        setResult(kept);
        return;
      }
      return ({ result }) => {
        if (result != null) byDocument.set(documentAST, result);
      };
    },
  };
}
