/**
 * Query limits (GraphQL Armor): depth, aliases, tokens and directives, set
 * well above what a real client of this schema sends (the deepest contract query,
 * collections → artifacts → owner, is depth 8) and below what hurts the server. A rejection is
 * a 400 with a code, like any other invalid document.
 */
import type { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';

type GraphQLArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;

function reject(context: ValidationContext | null, error: GraphQLError): void {
  const message = error.message.replace(/^Syntax Error: /, '');
  if (context) {
    context.reportError(new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    return;
  }
  // The token limit runs while parsing, where there is no validation context to report to.
  throw new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
}

const limit = { propagateOnRejection: false, onReject: [reject] };

export const ARMOR_LIMITS: GraphQLArmorConfig = {
  maxDepth: { n: 12, flattenFragments: true, ignoreIntrospection: true, ...limit },
  maxAliases: { n: 30, ...limit },
  maxTokens: { n: 3000, ...limit },
  maxDirectives: { n: 20, ...limit },
  // Off: its estimate multiplies literal `first` values but not variables, so it refused
  // ordinary queries while a client using variables walked past it. The node limit
  // (src/plugins/node-limit.ts) bounds the answer instead, with the request's variables.
  costLimit: { enabled: false },
  blockFieldSuggestion: { enabled: true },
};
