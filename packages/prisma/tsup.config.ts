import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", d1: "src/d1.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  external: [
    "@ratchet/kernel",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@prisma/adapter-better-sqlite3",
    "pg",
    "better-sqlite3",
  ],
});
