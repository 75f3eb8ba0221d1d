/**
 * The Lambda bundle as Lambda runs it: built with the app's `bundle` script, copied alone into
 * an empty folder under the OS temp directory, and invoked by a separate, plain `node` process
 * whose working directory is that folder (so nothing resolves from the repository's
 * `node_modules`).
 */
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, parse, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where `npm run bundle` writes the artifact, and its file (handler `index.handler`). */
export const BUNDLE_DIR = join(APP_DIR, "dist/lambda");
export const BUNDLE_FILE = "index.mjs";

/** Runs the app's bundle script (as `npm run bundle` does); returns what it printed. */
export function buildBundle(): string {
  return execFileSync(process.execPath, ["scripts/bundle.mjs"], {
    cwd: APP_DIR,
    encoding: "utf8",
  });
}

/** The `node_modules` folders in `dir` or any folder above it. */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules"))) found.push(join(current, "node_modules"));
    if (current === parse(current).root) return found;
  }
}

/** A copy of the bundle's folder (and nothing else) in a fresh temp folder; `remove()` deletes it. */
export function deployToEmptyFolder(): { dir: string; files: string[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "ratchet-lambda-bundle-"));
  cpSync(BUNDLE_DIR, dir, { recursive: true });
  return {
    dir,
    files: readdirSync(dir),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The child's program: import the bundle, call its export (as the Lambda `Handler` setting
 * names it) with `(event, context)` once, print the result on a line of its own. The context's remaining time counts down from `remainingMs`.
 */
const INVOKE = `
const [bundleUrl, exportName, eventJson, remaining] = process.argv.slice(1);
const deadline = Date.now() + Number(remaining);
const context = {
  functionName: "ratchet-worker",
  awsRequestId: "test-request",
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
try {
  const handler = (await import(bundleUrl))[exportName];
  if (typeof handler !== "function") throw new Error("the bundle exports no function " + exportName);
  const result = await handler(JSON.parse(eventJson), context);
  console.log("@@result " + JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.log("@@error " + JSON.stringify(String(error?.stack ?? error)));
  process.exit(1);
}
`;

/** What one invocation of the bundle returned or threw, and what it logged. */
export interface Invocation {
  result?: unknown;
  error?: string;
  exitCode: number;
  /** Everything else the process wrote to stdout (the handler's JSON log lines). */
  logs: string[];
  stderr: string;
}

/**
 * Invokes `target` (a file in `dir` and its export, default `index.mjs` / `handler`) with
 * `event`, in a new `node` process whose cwd is `dir` and whose environment is only `PATH` plus
 * `env` (a cold start, every time).
 */
export function invokeBundle(
  dir: string,
  event: unknown,
  options: {
    remainingMs: number;
    env: Record<string, string>;
    target?: { file: string; name: string };
  },
): Promise<Invocation> {
  const target = options.target ?? { file: BUNDLE_FILE, name: "handler" };
  const bundleUrl = pathToFileURL(join(dir, target.file)).href;
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        INVOKE,
        bundleUrl,
        target.name,
        JSON.stringify(event),
        String(options.remainingMs),
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const invocation: Invocation = {
          exitCode: error ? Number(error.code ?? 1) : 0,
          logs: [],
          stderr,
        };
        for (const line of stdout.split("\n")) {
          if (line.startsWith("@@result ")) invocation.result = JSON.parse(line.slice(9));
          else if (line.startsWith("@@error ")) invocation.error = JSON.parse(line.slice(8));
          else if (line.trim() !== "") invocation.logs.push(line);
        }
        resolvePromise(invocation);
      },
    );
  });
}
