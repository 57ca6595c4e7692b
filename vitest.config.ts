import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start the bot as a process run the compiled dist/, as npm start does: built once here.
    // Postgres tests get a throwaway server, started only when the first of them asks for a database.
    globalSetup: ['test/helpers/build-dist.ts', 'test/helpers/postgres-global-setup.ts'],
    // Integration tests start real servers; on a loaded 2-core machine the 5 s default is too tight.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
