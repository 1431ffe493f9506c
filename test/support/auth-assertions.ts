/**
 * Assertions shared by the JWT tests: what a rejected credential must look like over HTTP
 * (401, UNAUTHENTICATED, an RFC 6750 invalid_token challenge, no data), and small helpers.
 */
import { expect } from 'vitest';
import type { GraphQLResponse } from './graphql.js';

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/**
 * A present but bad credential: HTTP 401 (never 200 with null data, never a 500), exactly one
 * UNAUTHENTICATED error whose message matches `message`, no data, and the challenge
 * `Bearer realm="skillmeat", error="invalid_token", error_description="<the message>"`.
 */
export function expectRejected(result: GraphQLResponse<unknown>, message: RegExp): void {
  const summary = `HTTP ${result.status}: ${JSON.stringify(result.errors)}`;
  expect(result.status, summary).toBe(401);
  expect(result.data ?? null, summary).toBeNull();
  expect(result.errors?.map((e) => e.extensions?.code), summary).toEqual(['UNAUTHENTICATED']);
  const error = result.errors![0]!;
  expect(error.message).toMatch(message);
  const challenge = result.headers.get('www-authenticate');
  expect(challenge).toMatch(/^Bearer realm="skillmeat", error="invalid_token", error_description="[^"\\]+"$/);
  expect(challenge).toBe(`Bearer realm="skillmeat", error="invalid_token", error_description="${error.message.replace(/["\\]/g, '')}"`);
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` every `everyMs` until it returns true or `withinMs` has passed; returns the
 * milliseconds it took, or null when it never succeeded (a bounded wait, never a hang).
 */
export async function pollUntil(attempt: () => Promise<boolean>, withinMs: number, everyMs: number): Promise<number | null> {
  const started = Date.now();
  for (;;) {
    if (await attempt()) return Date.now() - started;
    if (Date.now() - started + everyMs > withinMs) return null;
    await sleep(everyMs);
  }
}
