import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The browser test needs the UI bundle; build it once before any test file runs.
    globalSetup: ["test/support/build-ui.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
