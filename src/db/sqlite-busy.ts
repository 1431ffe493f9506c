/**
 * Waiting for SQLite's write lock without blocking the event loop.
 *
 * better-sqlite3 is synchronous: with SQLite's busy_timeout at 5 s, a write that finds the lock
 * held by another connection (another process on the file: SKILLMEAT_WORKERS, a replica, the
 * audit-log script, a backup) sleeps inside SQLite for up to 5 s, and every other request of
 * the process, `/health` included, waits with it. So the connection's busy_timeout is short
 * (BUSY_TIMEOUT_MS: the longest the event loop is held per attempt), and a statement that
 * still finds the lock taken is tried again from a timer, with a growing pause, until
 * LOCK_WAIT_MS have passed since its first try; then its SQLITE_BUSY error is thrown as it
 * came. A statement that answered SQLITE_BUSY changed nothing (SQLite's own rule: the busy
 * handler runs before anything is written, and a COMMIT that is busy may be retried), so
 * retrying loses no write and never does one twice; a write is reported done only when SQLite
 * said so.
 */

/** SQLite's own busy wait per attempt: the longest one attempt holds the event loop. */
export const BUSY_TIMEOUT_MS = 25;

/** How long a statement waits for the lock in all, as busy_timeout = 5000 did before. */
export const LOCK_WAIT_MS = 5_000;

/** Pauses between attempts: short at first (locks are usually held for milliseconds), then 50 ms. */
const PAUSES_MS = [1, 2, 5, 10, 20, 50];

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

export interface LockWait {
  /** Milliseconds to keep trying from the first attempt (default LOCK_WAIT_MS). */
  waitMs?: number;
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, pausing on a timer between tries, for
 * at most `waitMs`; any other outcome (a result, another error) is returned or thrown at once.
 */
export async function whileBusy<T>(attempt: () => T | Promise<T>, { waitMs = LOCK_WAIT_MS }: LockWait = {}): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      const left = deadline - Date.now();
      if (left <= 0) throw error;
      const pause = Math.min(PAUSES_MS[Math.min(tries, PAUSES_MS.length - 1)]!, left);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
