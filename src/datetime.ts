/**
 * The DateTime wire form, in one place: ISO-8601 UTC with milliseconds (`toISOString`), which is
 * also how timestamps are stored (fixed width in both dialects, so they sort as text). The
 * scalar serializes and parses with these; the fast path passes a stored value through only when
 * it is already in this form.
 */
import { badInput } from './errors.js';

export type Timestamp = string;

/** A Timestamp as now() writes it: the DateTime scalar's wire form. */
export const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The stored and wire form of an instant (a Date, or milliseconds since the epoch). */
export function timestampOf(at: Date | number): Timestamp {
  return new Date(at).toISOString();
}

export function now(): Timestamp {
  return timestampOf(Date.now());
}

export function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw badInput('DateTime must be an ISO-8601 string such as 2026-01-31T12:00:00Z.');
  return date;
}

export function serializeDateTime(value: Date | string): string {
  // What the database stores (and toISOString writes) is already the wire form: passed through as is.
  if (typeof value === 'string' && CANONICAL_TIMESTAMP.test(value)) return value;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
