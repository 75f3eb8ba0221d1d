/**
 * A child worker process: the entry is bundled once with esbuild (dependencies stay external
 * and load from node_modules; this package's source is bundled in), then started with `node`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const HERE = import.meta.dirname;
const OUT_DIR = join(HERE, "..", "..", ".tmp");

/** A running child process and what it printed. */
export interface ChildWorker {
  child: ChildProcess;
  output(): string;
  /** Resolves when the process has ended (with its signal, if one ended it). */
  ended: Promise<NodeJS.Signals | null>;
}

/** Bundles `entry` (a file of this directory) and starts it; resolves once it printed `ready`. */
export async function startChildWorker(
  entry: string,
  env: Record<string, string>,
): Promise<ChildWorker> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `${entry.replace(/\.ts$/, "")}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(HERE, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "silent",
  });
  const child = spawn(process.execPath, [outfile], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    out += String(chunk);
  });
  const ended = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("close", (_code, signal) => resolve(signal)),
  );
  const deadline = Date.now() + 30_000;
  while (!out.includes("ready")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`worker did not start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, output: () => out, ended };
}
