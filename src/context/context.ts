/** The per-request Context every resolver receives: who is calling, the database, the loaders. */
import type { Viewer } from '../vocabulary/viewer.js';
import type { Db } from '../db/database.js';
import { unauthenticated } from '../errors.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context {
  /** Null only for an unauthenticated request with auth enabled. */
  readonly viewer: Viewer | null;
  readonly db: Db;
  readonly loaders: Loaders;
  /** The client's address (the TCP peer), for the audit log. */
  readonly address: string | null;
  /** Root fields the permission rules denied (all denied → HTTP 403). */
  readonly deniedRootFields: Set<string>;
  /**
   * The local identity provider; null unless auth is enabled with provider local. An object here,
   * so the context does not depend on auth: identityProviderOf (src/auth/local/identity-provider.ts) reads it.
   */
  readonly idp: object | null;
  /** Set by signUp/logIn: the user this request just signed in, who may read their own profile. */
  signedInUserId: number | null;
}

export function createContext(db: Db, viewer: Viewer | null, address: string | null, idp: object | null = null): Context {
  return { viewer, db, loaders: createLoaders(db, viewer), address, deniedRootFields: new Set(), idp, signedInUserId: null };
}

/** The viewer, or UNAUTHENTICATED: every resolver that touches data starts here. */
export function viewerOf(context: Context): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}
