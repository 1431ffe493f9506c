/** The DateTime scalar: ISO-8601 UTC strings on the wire. */
import { Kind } from 'graphql';
import { CANONICAL_TIMESTAMP } from '../db/database.js';
import { badInput } from '../errors.js';
import { builder } from './builder.js';

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw badInput('DateTime must be an ISO-8601 string such as 2026-01-31T12:00:00Z.');
  return date;
}

export function serializeDateTime(value: Date | string): string {
  // What the database stores (and toISOString writes) is already the wire form: passed through as is.
  if (typeof value === 'string' && CANONICAL_TIMESTAMP.test(value)) return value;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

builder.scalarType('DateTime', {
  serialize: serializeDateTime,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});
