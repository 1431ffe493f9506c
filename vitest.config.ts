import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships a CJS build (`main`) and an ESM one (`module`). Node, and so graphql-yoga,
    // loads the CJS one; Vite would hand our sources the ESM one, and with two GraphQLError
    // classes Yoga masks every error the server makes on purpose (NOT_FOUND, BAD_USER_INPUT…)
    // as INTERNAL_SERVER_ERROR. Pin the build Node loads, so tests see what production sends.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
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
