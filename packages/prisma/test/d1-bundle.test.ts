/**
 * `@ratchet/prisma/d1` runs in workerd: bundled for a neutral platform, its entry point pulls
 * in no Node built-in, no Prisma client, no native or TCP driver.
 */
import { builtinModules } from "node:module";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

const ENTRY = join(import.meta.dirname, "..", "src", "d1.ts");
const FORBIDDEN = /^(node:|better-sqlite3|pg|pg-|@prisma\/)/;
const builtins = new Set(builtinModules);

/** Records every bare import the bundle resolves. */
function recordImports(seen: Set<string>): Plugin {
  return {
    name: "record-imports",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        seen.add(args.path);
        return undefined;
      });
    },
  };
}

describe("the D1 entry point", () => {
  it("bundles for a neutral platform without Node built-ins, Prisma or native drivers", async () => {
    const seen = new Set<string>();
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      conditions: ["import"],
      plugins: [recordImports(seen)],
      logLevel: "silent",
    });
    const forbidden = [...seen].filter(
      (path) => FORBIDDEN.test(path) || builtins.has(path.split("/")[0] ?? ""),
    );
    expect(forbidden).toEqual([]);
    expect([...seen]).toContain("@ratchet/kernel/adapter");
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).not.toMatch(/\brequire\(\s*["']/);
    expect(code).toContain("ratchet_d1_lock");
  });
});
