/**
 * The schema with the permission table (permission-table.ts) enforced by graphql-shield: its
 * rule tree is generated from the table, with deny as the fallback for anything the table does
 * not name.
 */
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { shield } from 'graphql-shield';
import { forbidden } from '../errors.js';
import { PERMISSIONS, requirementFor } from './permission-table.js';
import { ruleOf, type ShieldRule } from './rules.js';

/** The table as shield's rule tree. */
function ruleTree(): Record<string, Record<string, ShieldRule>> {
  return Object.fromEntries(
    Object.entries(PERMISSIONS).map(([type, fields]) => [type, Object.fromEntries(Object.entries(fields).map(([field, requirement]) => [field, ruleOf(requirement)]))]),
  );
}

/**
 * The schema with the table enforced. A field the table opens to every caller keeps its own
 * resolver: shield would only wrap it in an awaited `allow`, so its middleware is left out of
 * what is applied (read from the table, not from shield), and a list of 100 artifacts does not
 * pay an awaited rule per scalar field.
 */
export function withPermissions(schema: GraphQLSchema): GraphQLSchema {
  const generator = shield(ruleTree(), {
    fallbackRule: ruleOf(null),
    // A denial is a GraphQLError with a code; shield's default is a plain Error that Yoga masks.
    fallbackError: () => forbidden(),
    // Resolver errors (BAD_USER_INPUT, NOT_FOUND…) pass through as they are; unexpected ones are masked by Yoga.
    allowExternalErrors: true,
    debug: false,
  });
  const generated = generator.generate(schema) as Record<string, Record<string, unknown>>;
  const applied = Object.fromEntries(
    Object.entries(generated).map(([type, fields]) => [type, Object.fromEntries(Object.entries(fields).filter(([field]) => requirementFor(type, field)?.kind !== 'public'))]),
  );
  return applyMiddleware(schema, applied as never);
}
