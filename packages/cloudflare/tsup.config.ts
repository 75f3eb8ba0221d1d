import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // Neutral: no Node built-ins, so the bundle runs in workerd (Cloudflare Workers).
  platform: "neutral",
  external: ["@ratchet/kernel", "@ratchet/host-serverless"],
});
