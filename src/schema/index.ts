/** Imports every type family (each registers itself on the builder) and builds the schema. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { withPermissions } from '../auth/permissions.js';
import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './node.js';
import './viewer.js';
import './user.js';
import './artifact.js';
import './collection.js';
import './settings.js';
import './api-key.js';
import './account.js';
import './personal-access-token.js';
import './device.js';

export const schema: GraphQLSchema = builder.toSchema();
/** The schema served: the permission table applied. */
export const protectedSchema: GraphQLSchema = withPermissions(schema);

/** The SDL committed as schema.graphql (sorted, so diffs stay small). */
export function printSdl(): string {
  return `# Generated from the Pothos schema by \`npm run schema\`. Do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
