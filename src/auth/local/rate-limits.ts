/**
 * Brute-force limits (rate-limiter-flexible), counted in the database so they hold across
 * replicas: failed logins per account and per address, sign-ups per address, device user-code
 * guesses per address. Going over answers RATE_LIMITED (HTTP 429) with a retry-after.
 */
import { RateLimiterPostgres, RateLimiterRes, RateLimiterSQLite, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RawClient } from '../../db/database.js';
import { whileBusy } from '../../db/sqlite-busy.js';
import { rateLimited } from '../../errors.js';

interface Limit {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

export const LIMITS = {
  loginPerAccount: { keyPrefix: 'login_account', points: 10, durationSeconds: 15 * 60 },
  loginPerAddress: { keyPrefix: 'login_address', points: 50, durationSeconds: 15 * 60 },
  signUpPerAddress: { keyPrefix: 'signup_address', points: 20, durationSeconds: 60 * 60 },
  userCodePerAddress: { keyPrefix: 'user_code_address', points: 20, durationSeconds: 10 * 60 },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

export interface AttemptSlot {
  name: LimitName;
  key: string;
  /** After a successful attempt: give this one slot back, or clear the key's whole count. */
  onSuccess: 'give back' | 'reset';
}

/** Made by migration 0004-rate-limits, in the library's layout; the limiters do not create it. */
const TABLE = 'rate_limits';

function limiterFor(raw: RawClient, limit: Limit): RateLimiterAbstract {
  const common = { tableName: TABLE, tableCreated: true, keyPrefix: limit.keyPrefix, points: limit.points, duration: limit.durationSeconds };
  return raw.dialect === 'sqlite'
    ? new RateLimiterSQLite({ ...common, storeClient: raw.sqlite, storeType: 'better-sqlite3' })
    : new RateLimiterPostgres({ ...common, storeClient: raw.pool });
}

export class RateLimits {
  private constructor(private readonly limiters: Record<LimitName, RateLimiterAbstract>) {}

  /** The limiters over the table migration 0004-rate-limits made; nothing is created here. */
  static create(raw: RawClient): RateLimits {
    const entries = (Object.keys(LIMITS) as LimitName[]).map((name) => [name, limiterFor(raw, LIMITS[name])] as const);
    return new RateLimits(Object.fromEntries(entries) as Record<LimitName, RateLimiterAbstract>);
  }

  /** Counts one attempt against `name` for `key`; throws RATE_LIMITED when that was one too many. */
  async hit(name: LimitName, key: string): Promise<void> {
    try {
      // A count that found the write lock taken changed nothing: counted again, once.
      await whileBusy(() => this.limiters[name].consume(key));
    } catch (error) {
      if (error instanceof RateLimiterRes) throw rateLimited(Math.ceil(error.msBeforeNext / 1000));
      throw error;
    }
  }

  /** Gives back one attempt counted by `hit` (an attempt that turned out not to be a failure). */
  async giveBack(name: LimitName, key: string): Promise<void> {
    await whileBusy(() => this.limiters[name].reward(key, 1));
  }

  async reset(name: LimitName, key: string): Promise<void> {
    await whileBusy(() => this.limiters[name].delete(key));
  }

  /**
   * Runs `work` as one attempt against every slot in `slots`, taken in order *before* it runs:
   * each `hit` is one atomic upsert in the database, so attempts in flight together (on one
   * connection or many, on one replica or several) are counted as they arrive, and the one past
   * a limit is RATE_LIMITED without `work` ever running. When `work` succeeds each slot is given
   * back, or its count cleared; when it fails they stay taken.
   */
  async attempt<T>(slots: readonly AttemptSlot[], work: () => Promise<T>): Promise<T> {
    for (const slot of slots) await this.hit(slot.name, slot.key);
    const result = await work();
    for (const slot of slots) await (slot.onSuccess === 'reset' ? this.reset(slot.name, slot.key) : this.giveBack(slot.name, slot.key));
    return result;
  }
}
