import { defineConfig } from "tsup";

// `@ratchet/demo` (private) is a devDependency, so tsup bundles it: the published CLI carries
// the demo workflows. Dependencies (the @ratchet packages, zod) stay external. The banner makes
// `dist/bin.js` executable as `ratchet` (it is harmless in `dist/index.js`). Splitting (tsup's
// default for ESM, spelled out because startup depends on it) puts each command's handler in a
// chunk of its own that loads only when the command runs: `ratchet --help` loads none of them,
// nor @ratchet/prisma (test/startup.test.ts checks it).
export default defineConfig({
  entry: { index: "src/index.ts", bin: "src/bin.ts" },
  format: ["esm"],
  splitting: true,
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  banner: { js: "#!/usr/bin/env node" },
});
