/**
 * Passwords: scrypt (memory-hard, in node:crypto) with the parameters stored beside the hash
 * (`scrypt$N$r$p$salt$hash`) so they can be raised later without breaking old hashes, and the
 * password policy with a message a person can act on.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { badInput } from '../../errors.js';

/** scrypt's cost: 16 MiB and tens of milliseconds per hash, slow enough to make guessing dear (docs/auth.md). */
export const SCRYPT_PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = SCRYPT_PARAMS;
  const hash = await scrypt(password, salt, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Spends the time of one verification, so an unknown email answers as slowly as a wrong password. */
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));
export async function burnVerification(password: string): Promise<void> {
  await verifyPassword(password, await DUMMY_HASH);
}

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

/** The password policy: 10–256 characters, not a single repeated character, not the email. */
export function checkPasswordPolicy(password: string, email: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw badInput(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`, field);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw badInput(`The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`, field);
  }
  if (new Set(password).size < 4) throw badInput('The password must use at least 4 different characters.', field);
  if (foldEmail(password) === foldEmail(email)) throw badInput('The password must not be your email address.', field);
}

const EMAIL_SHAPE = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{1,63}$/;

/**
 * The one rule that makes two spellings of an address the same address: trimmed, Unicode NFC
 * (so `josé` typed as é or as e + U+0301 is one address), lower-cased, and NFC again (lower-casing
 * can leave a sequence NFC would compose). Idempotent: foldEmail(foldEmail(x)) === foldEmail(x).
 * What is stored, compared and rate-limited is this form; nothing is checked here.
 */
export function foldEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

/** foldEmail, checked; BAD_USER_INPUT when it does not look like an address. */
export function normaliseEmail(email: string): string {
  const normalised = foldEmail(email);
  if (normalised.includes('\u0000') || !EMAIL_SHAPE.test(normalised) || normalised.length > 320) throw badInput('That is not a valid email address.', 'email');
  return normalised;
}

/**
 * The key an address's login attempts are counted under: its folded form, even when it is not a
 * valid address. One longer than 128 characters is counted under its SHA-256 instead, so the key
 * fits the counters' table (varchar(255) with the limit's prefix) and two addresses never share one.
 */
export function emailLimitKey(email: string): string {
  const folded = foldEmail(email);
  return folded.length > 128 ? `sha256:${createHash('sha256').update(folded).digest('hex')}` : folded;
}
