import { defineConfig } from 'vitest/config';

/** The real-Superset suite (scripts/superset-e2e.sh): slow, so not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
