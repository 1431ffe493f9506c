/**
 * What an auth strategy is: it looks at the request and returns the Viewer its credential
 * stands for, null when its kind of credential is absent, and throws (UNAUTHENTICATED) when
 * the credential is present but bad, so the chain never falls through to a weaker strategy.
 */
import type { Viewer } from './viewer.js';

export type AuthStrategy = (request: Request) => Promise<Viewer | null> | Viewer | null;
