import { defineConfig } from "vitest/config";

// Installing the tarballs compiles better-sqlite3 from source when no prebuilt binary can be
// downloaded (a minute or two): the hooks get a generous timeout, and the files run one at a
// time so the metadata check's builds never race the install.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 480_000,
    fileParallelism: false,
  },
});
