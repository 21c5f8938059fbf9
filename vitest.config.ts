import { defineConfig } from 'vitest/config';

// Integration tests start real containers and run real backup tools: give them room,
// and run files one at a time per worker (2 cores).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'stacks/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
  },
});
