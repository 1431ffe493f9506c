/**
 * Records when a credential was last used without a write on every request: at most one write
 * per credential per interval, off the request path (not awaited), failures logged.
 */
import type { Logger } from '../logger.js';
import { timestampOf } from '../datetime.js';

export class LastUsedRecorder {
  private readonly written = new Map<number, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly write: (id: number, at: string) => Promise<void>,
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  touch(id: number): void {
    const nowMs = Date.now();
    const last = this.written.get(id);
    if (last !== undefined && nowMs - last < this.intervalMs) return;
    this.written.set(id, nowMs);
    if (this.written.size > 100_000) this.written.clear();
    const done = this.write(id, timestampOf(nowMs)).catch((error: unknown) => {
      this.written.delete(id);
      this.logger.warn({ err: error, credentialId: id }, 'could not record last use');
    });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Waits for writes under way (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
