/**
 * The bench's runChild (bench/processes.ts), which runs the load generator and the SQL floor's
 * replay: it resolves when the child exits 0, and otherwise throws with the child's output,
 * stopping a child that outlives its budget instead of waiting for it.
 */
import { describe, expect, it } from 'vitest';
import { runChild } from '../bench/processes.js';

const node = (code: string) => [process.execPath, '-e', code];

describe('bench runChild', () => {
  it('resolves for a child that exits 0', async () => {
    await expect(runChild('a quick child', node('process.exit(0)'), { budgetMs: 10_000 })).resolves.toBeUndefined();
  });

  it('throws with the exit code and the output of a child that fails', async () => {
    await expect(runChild('a failing child', node('console.error("it broke"); process.exit(3)'), { budgetMs: 10_000 })).rejects.toThrow(
      /a failing child failed \(exit 3\):\s+it broke/,
    );
  });

  it('stops a child that outlives its budget and says so', async () => {
    await expect(
      runChild('a stuck child', node('console.log("waiting"); setInterval(() => {}, 1000)'), { budgetMs: 500 }),
    ).rejects.toThrow(/a stuck child took over 1 s and was stopped:\s+waiting/);
    // A child left running would keep runChild waiting past the test's own timeout.
  }, 15_000);
});
