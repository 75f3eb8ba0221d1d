#!/usr/bin/env node
/**
 * `npm run bundle`: the Lambda deployment artifact. esbuild bundles `src/handler.ts` and
 * everything it imports (`@ratchet/*`, zod, pg, the AWS SDK's SQS client for the publisher, the
 * PostgreSQL Prisma client with its Wasm query compiler, which `createPostgresStack` uses to
 * migrate) into ONE ES module,
 * `dist/lambda/index.mjs`, that exports `handler` and runs on Node 20 in a folder with no
 * `node_modules`. The folder holds nothing else: it is the SAM `CodeUri` (handler
 * `index.handler`).
 *
 * What the bundle leaves out, because the Lambda runs on PostgreSQL only: the SQLite side of
 * `@ratchet/prisma` (better-sqlite3, a native addon, its Prisma driver adapter, and the
 * SQLite query compiler's 4.4 MB of Wasm) and pg's optional native binding `pg-native`. Each is
 * replaced by a module that throws a clear error if it is ever used. Any other import that is
 * not a Node built-in fails the build, so nothing is silently left for a `node_modules` that
 * will not be there.
 *
 * Usage: `node scripts/bundle.mjs [--outdir <dir>] [--analyze]` (default `dist/lambda`). Prints
 * the size; `--analyze` also prints what takes the space (esbuild's `analyzeMetafile`).
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The artifact's file name; the Lambda handler setting is `index.handler`. */
export const BUNDLE_FILE = "index.mjs";

/** Modules replaced by a stub that throws when used (the SQLite side; pg's native binding). */
const OMITTED = [
  { filter: /^better-sqlite3$/, why: "better-sqlite3 (SQLite, a native addon)" },
  { filter: /^@prisma\/adapter-better-sqlite3$/, why: "Prisma's SQLite driver adapter" },
  {
    filter: /^@prisma\/client\/runtime\/query_compiler_[a-z]+_bg\.sqlite\./,
    why: "Prisma's SQLite query compiler",
  },
  { filter: /^pg-native$/, why: "pg-native (pg's optional libpq binding)" },
];

/** Replaces each OMITTED module with one whose every use throws. */
const omitPlugin = {
  name: "ratchet-lambda-omit",
  setup(build) {
    for (const { filter, why } of OMITTED) {
      build.onResolve({ filter }, (args) => ({
        path: args.path,
        namespace: "ratchet-omitted",
        pluginData: why,
      }));
    }
    build.onLoad({ filter: /.*/, namespace: "ratchet-omitted" }, (args) => {
      const message = `[ratchet] [lambda] ${args.pluginData} is not in the Lambda bundle (it runs on PostgreSQL only)`;
      // A Proxy: importing works (the SQLite code is bundled but never runs); any use throws.
      const contents = `const fail = () => { throw new Error(${JSON.stringify(message)}); };
const omitted = new Proxy(function omitted() {}, { get: fail, apply: fail, construct: fail });
export default omitted;
export const PrismaBetterSqlite3 = omitted;
export const wasm = omitted;`;
      return { contents, loader: "js" };
    });
  },
};

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Fails the build if anything other than a Node built-in was left external. */
function assertSelfContained(metafile) {
  const leftOut = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && !builtins.has(imported.path)) leftOut.add(imported.path);
    }
  }
  if (leftOut.size > 0) {
    throw new Error(
      `[ratchet] [lambda] the bundle would need node_modules for: ${[...leftOut].join(", ")}`,
    );
  }
}

/**
 * Builds the bundle into `outdir` (emptied first); returns its path, size in bytes and
 * esbuild's metafile.
 * @param {{ outdir?: string }} [options]
 */
export async function bundle(options = {}) {
  const outdir = resolve(APP_DIR, options.outdir ?? "dist/lambda");
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, BUNDLE_FILE);
  const result = await esbuild.build({
    absWorkingDir: APP_DIR,
    entryPoints: ["src/handler.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // pg and parts of Prisma's runtime are CommonJS and `require` Node built-ins: give the ES
    // module a real `require` (and `__filename`/`__dirname`, which CommonJS code may read).
    banner: {
      js: [
        'import { createRequire as __ratchetCreateRequire } from "node:module";',
        'import { fileURLToPath as __ratchetFileURLToPath } from "node:url";',
        "const require = __ratchetCreateRequire(import.meta.url);",
        "const __filename = __ratchetFileURLToPath(import.meta.url);",
        'const __dirname = __ratchetFileURLToPath(new URL(".", import.meta.url));',
      ].join("\n"),
    },
    // Readable stack traces in CloudWatch without a source map next to the file.
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: true,
    legalComments: "none",
    metafile: true,
    logLevel: "error",
    plugins: [omitPlugin],
  });
  assertSelfContained(result.metafile);
  return { file: outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { outdir: { type: "string" }, analyze: { type: "boolean" } },
  });
  const { file, bytes, metafile } = await bundle(values.outdir ? { outdir: values.outdir } : {});
  if (values.analyze) console.log(await esbuild.analyzeMetafile(metafile));
  console.log(
    `[ratchet] [lambda] ${relative(process.cwd(), file)}: ${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes} bytes)`,
  );
}
