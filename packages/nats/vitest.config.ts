import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The test files share one module graph instead of each importing their dependencies
    // afresh: each file's imports cost about a second on the 2-core machine. No file mocks
    // modules or leaves globals or process.env changed.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The tests share one NATS server and a 2-core machine: one file at a time.
    fileParallelism: false,
  },
});
