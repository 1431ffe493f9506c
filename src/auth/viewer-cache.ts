/**
 * A small, bounded cache of the Viewer a credential resolved to, for a few seconds at most
 * (and never past the credential's own expiry), so a client sending the same token many times
 * a second costs one verification and one user lookup, not one per request. Safe to be stale
 * for seconds (SPEC, "Scale"); a role change in this process empties it at once.
 */
import type { Viewer } from '../vocabulary/viewer.js';

let epoch = 0;

/** Called when identities change (setUserRole): every cached Viewer of this process is dropped. */
export function identitiesChanged(): void {
  epoch++;
}

interface Entry {
  viewer: Viewer;
  until: number;
  epoch: number;
}

export class ViewerCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * Credentials are keyed by their SHA-256 (bearerDigest, worked out once per request), so the
   * cache never holds a usable secret.
   */
  static keyOf(credentialDigest: Buffer): string {
    return credentialDigest.toString('base64url');
  }

  get(key: string): Viewer | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.until <= Date.now() || entry.epoch !== epoch) {
      this.entries.delete(key);
      return null;
    }
    return entry.viewer;
  }

  set(key: string, viewer: Viewer, expiresAtMs: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { viewer, until: Math.min(expiresAtMs, Date.now() + this.ttlMs), epoch });
  }
}
