/**
 * Reading a JWT's `exp` without verifying it: for display (whoami) and for deciding when to
 * refresh. The server verifies every token it receives; nothing here trusts a claim.
 */

/** The `exp` of a JWT as a Date, or null when the token is not a JWT or has none. */
export function jwtExpiry(token: string): Date | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? new Date(payload.exp * 1000) : null;
  } catch {
    return null;
  }
}
