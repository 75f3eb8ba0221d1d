import { defineConfig } from "tsup";

export default defineConfig({
  // dist/handler.js imports its dependencies from node_modules. The deployment artifact is
  // the self-contained bundle `npm run bundle` writes to dist/lambda/index.mjs
  // (scripts/bundle.mjs; handler `index.handler`), which `npm run build` also writes.
  entry: { handler: "src/handler.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  clean: true,
  sourcemap: true,
});
