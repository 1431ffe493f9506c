/**
 * One password guess under the brute-force limits, the same for logIn, the /device page's
 * sign-in and changePassword (RateLimits.attempt: the slots are taken before the password is
 * checked). The address slot is taken first, so an attempt refused by the per-account limit
 * still counts against its address. A right password gives its address slot back and clears
 * the account's count; a wrong one (or any other failure) keeps both.
 */
import type { RateLimits } from './rate-limits.js';

export interface PasswordAttempt {
  /** Whose password is guessed: the account's key (emailLimitKey). */
  account: string;
  /** The caller's address; attempts with none share one count. */
  address: string | null;
}

export function underLoginLimits<T>(limits: RateLimits, attempt: PasswordAttempt, check: () => Promise<T>): Promise<T> {
  return limits.attempt(
    [
      { name: 'loginPerAddress', key: attempt.address ?? 'unknown', onSuccess: 'give back' },
      { name: 'loginPerAccount', key: attempt.account, onSuccess: 'reset' },
    ],
    check,
  );
}
