import { defineConfig } from 'vitest/config';

// End-to-end tests spawn real git, redis-server and agent CLIs; give them room and run files
// in parallel only up to the 2 cores CI has.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
