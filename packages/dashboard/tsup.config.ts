import { defineConfig } from "tsup";
import { buildUi } from "./ui-build.config.js";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "node",
  external: ["@ratchet/kernel"],
  // The browser UI is a second bundle (Preact, compiled by esbuild) served from dist/ui.
  onSuccess: async () => {
    await buildUi();
  },
});
