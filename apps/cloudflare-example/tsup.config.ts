import { builtinModules } from "node:module";
import { defineConfig, type Options } from "tsup";

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

const builtins = new Set(builtinModules);

/**
 * Fails the build on any Node built-in. esbuild's `neutral` platform alone would leave
 * `import "crypto"` in the bundle as an external import, which Workers cannot load.
 */
const noNodeBuiltins: EsbuildPlugin = {
  name: "no-node-builtins",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      if (!args.path.startsWith("node:") && !builtins.has(name.split("/")[0] ?? "")) return;
      return {
        errors: [
          {
            text: `[ratchet] [serverless] [cloudflare] Node built-in "${args.path}" imported by ${args.importer}`,
          },
        ],
      };
    });
  },
};

export default defineConfig({
  entry: { worker: "src/worker.ts" },
  format: ["esm"],
  target: "es2022",
  // Neutral and fully bundled, with no Node built-in: what Cloudflare Workers run (without
  // `nodejs_compat`).
  platform: "neutral",
  noExternal: [/.*/],
  esbuildPlugins: [noNodeBuiltins],
  // Keep `node:` imports visible to the plugin (tsup would otherwise strip and externalise them).
  removeNodeProtocol: false,
  // One file: the only module Cloudflare has to load.
  splitting: false,
  clean: true,
  sourcemap: true,
});
