/** The DateTime scalar's output: the canonical form passes through, anything else is normalised. */
import { describe, expect, it } from 'vitest';
import { serializeDateTime } from '../src/datetime.js';

describe('DateTime serialize', () => {
  it('passes a canonical ISO-8601 UTC string through unchanged', () => {
    expect(serializeDateTime('2026-01-31T12:00:00.000Z')).toBe('2026-01-31T12:00:00.000Z');
  });

  it('writes a Date as ISO-8601 UTC with milliseconds', () => {
    expect(serializeDateTime(new Date(Date.UTC(2026, 0, 31, 12)))).toBe('2026-01-31T12:00:00.000Z');
  });

  it('normalises other date strings to the canonical form', () => {
    expect(serializeDateTime('2026-01-31T12:00:00Z')).toBe('2026-01-31T12:00:00.000Z');
    expect(serializeDateTime('2026-01-31T13:00:00.000+01:00')).toBe('2026-01-31T12:00:00.000Z');
  });

  it('refuses a string that is not a date', () => {
    expect(() => serializeDateTime('not a date')).toThrow(RangeError);
  });
});
