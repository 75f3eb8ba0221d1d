/**
 * Child worker processes for the end-to-end tests: the worker entry is bundled once with
 * esbuild (dependencies stay external and load from node_modules), then started with `node`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const HERE = import.meta.dirname;
const OUT_DIR = join(HERE, "..", "..", ".tmp");
const bundled = new Map<string, Promise<string>>();

/** Bundles a worker entry of this directory (once per test process); returns the file to run. */
export function workerScript(entry = "worker-entry.ts"): Promise<string> {
  let script = bundled.get(entry);
  if (script) return script;
  script = (async () => {
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
    return outfile;
  })();
  bundled.set(entry, script);
  return script;
}

/** How a worker process ended: its exit code, or the signal that ended it. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running worker process. */
export interface Worker {
  child: ChildProcess;
  /** Everything it wrote, stdout and stderr interleaved. */
  output: () => string;
  /** What it wrote to stderr alone. */
  stderr: () => string;
  /** Its exit code (`null` when a signal ended it). */
  exited: Promise<number | null>;
  /** Its exit code and signal. */
  exit: Promise<WorkerExit>;
}

/** Starts a worker process (of `entry`) and waits until it reports "ready". */
export async function startWorker(
  env: Record<string, string>,
  entry = "worker-entry.ts",
): Promise<Worker> {
  const script = await workerScript(entry);
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    out += String(chunk);
    err += String(chunk);
  });
  // "close", not "exit": by then stdout and stderr have been read to the end.
  const exit = new Promise<WorkerExit>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  const exited = exit.then(({ code }) => code);
  const deadline = Date.now() + 30_000;
  while (!out.includes("ready")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`worker did not start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, output: () => out, stderr: () => err, exited, exit };
}
