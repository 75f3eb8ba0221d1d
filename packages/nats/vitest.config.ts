import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The tests share one NATS server and a 2-core machine: one file at a time.
    fileParallelism: false,
  },
});
