import { defineConfig } from "vitest/config";

// `*.long.test.ts` files run only with RATCHET_LONG=1 (with the other long variants): they add
// minutes to the default run and cover ground a default file already covers on another store.
const long = process.env.RATCHET_LONG === "1";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: long ? ["**/node_modules/**"] : ["**/node_modules/**", "test/**/*.long.test.ts"],
    // The test files share one module graph instead of each importing the stacks, the
    // generated clients and the kernel afresh: that import was ~130 s of the package's ~380 s
    // on the 2-core machine (60 files). Harnesses are made per file (`useStack`, `useD1Stack`),
    // and vitest still resets `vi.setConfig` and mocks between files.
    isolate: false,
    globalSetup: ["test/support/postgres-template.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
