import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Test files start their own servers on port 0 and databases of their own, so they can
    // run in parallel; two workers match the two cores of our machines.
    pool: 'forks',
    maxWorkers: 2,
  },
});
