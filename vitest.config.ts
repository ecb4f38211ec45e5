import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests start real redis-server processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
    // CI asks for a JSON report beside the console one, to print "N passed, N failed".
    reporters: process.env.REDBACK_VITEST_JSON ? ['default', 'json'] : ['default'],
    outputFile: process.env.REDBACK_VITEST_JSON ? { json: process.env.REDBACK_VITEST_JSON } : {},
  },
});
