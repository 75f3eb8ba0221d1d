import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The kernel's test files are in-process and leave no global state behind (spies are
    // restored, no module mocks, no fake timers): they share one module graph instead of each
    // importing the kernel afresh. On the 2-core machine that was 120 s of the package's 235 s
    // (88 files × ~1.4 s of imports); with it the package takes ~80 s. A test file that must not
    // share modules (vi.mock, a global it does not restore) needs its own project with
    // `isolate: true`.
    isolate: false,
  },
});
