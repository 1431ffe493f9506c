/**
 * Which stored column a field passes through unchanged, on the field itself (its `extensions`):
 * the fast read path (src/plugins/sql-execution.ts) reads such a field from that column and
 * writes it by the field's GraphQL type, so the two can never disagree about the type.
 * Several columns mean the first that is not null (as the record mapping in src/db/model.ts does).
 */
export const COLUMN_EXTENSION = 'column';

export function column(...names: [string, ...string[]]): { extensions: Record<string, readonly string[]> } {
  return { extensions: { [COLUMN_EXTENSION]: names } };
}
