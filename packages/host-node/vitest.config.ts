import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The test files share one module graph instead of each importing the host, the stacks
    // and the kernel afresh (the workers under test are child processes anyway). A file that
    // sets process.env for its workers restores it afterwards (crash-isolated).
    isolate: false,
    // One migrated PostgreSQL database per run, which the test files clone.
    globalSetup: ["test/support/postgres-template.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
