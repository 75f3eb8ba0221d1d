import { defineConfig } from "vitest/config";

// `*.long.test.ts` files run only with RATCHET_LONG=1 (with the other long variants): they add
// minutes to the default run and cover ground a default file already covers on another store.
const long = process.env.RATCHET_LONG === "1";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: long ? ["**/node_modules/**"] : ["**/node_modules/**", "test/**/*.long.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // The test files share one module graph instead of each importing the CLI's modules, the
    // stacks and the kernel afresh (~40 s of the package's time on the 2-core machine, 36
    // files); the CLI under test runs in child processes anyway. Fake timers are restored
    // after each test (render.test.ts), and vitest resets mocks and `vi.setConfig` between files.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
