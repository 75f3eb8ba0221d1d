import { defineConfig } from "vitest/config";

// `*.long.test.ts` files run only with RATCHET_LONG=1 (with the other long variants): they add
// minutes to the default run and cover ground a default file already covers on another store.
const long = process.env.RATCHET_LONG === "1";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: long ? ["**/node_modules/**"] : ["**/node_modules/**", "test/**/*.long.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
