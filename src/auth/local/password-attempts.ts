/**
 * One password guess under the brute-force limits, the same for logIn, the /device page's
 * sign-in and changePassword. The attempt takes its slots before the password is checked: each
 * `hit` is one atomic upsert in the database (rate-limiter-flexible), so attempts in flight
 * together, on one connection or many, on one replica or several, are counted as they arrive,
 * and the one past the limit is RATE_LIMITED without its password ever being tried.
 *
 * The address slot is taken first, so an attempt refused by the per-account limit still counts
 * against its address. A correct password gives its address slot back and clears the account's
 * count; a wrong one (or any other failure) keeps both.
 */
import type { RateLimits } from './rate-limits.js';

export interface PasswordAttempt {
  /** Whose password is guessed: the account's key (emailLimitKey). */
  account: string;
  /** The caller's address; attempts with none share one count. */
  address: string | null;
}

export async function underLoginLimits<T>(limits: RateLimits, attempt: PasswordAttempt, check: () => Promise<T>): Promise<T> {
  const address = attempt.address ?? 'unknown';
  await limits.hit('loginPerAddress', address);
  await limits.hit('loginPerAccount', attempt.account);
  const result = await check();
  await limits.reset('loginPerAccount', attempt.account);
  await limits.giveBack('loginPerAddress', address);
  return result;
}
