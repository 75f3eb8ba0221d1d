import { defineConfig } from "tsup";

export default defineConfig({
  // Deploy dist/handler.js with its node_modules (or bundle them with `noExternal`); the
  // Lambda handler setting is `handler.handler`.
  entry: { handler: "src/handler.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  clean: true,
  sourcemap: true,
});
