/**
 * Running the commands a user types (npm, npx tsc, npx ratchet) as child processes, with
 * progress: each output line is echoed with a prefix, and a long command prints a heartbeat
 * with the time elapsed, so a slow install is visibly working.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** What a finished command did. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a user's shell would have: this process's, without what npm and turbo set for
 * the repository's own scripts (npm_config_*, npm_package_*, …), which must not leak into the
 * fresh project.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NPM_|INIT_CWD$|TURBO_|RATCHET_DATABASE_URL$|FORCE_COLOR$|NO_COLOR$)/.test(key))
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function echo(prefix: string, chunk: string, carry: { rest: string }): void {
  const text = carry.rest + chunk;
  const lines = text.split("\n");
  carry.rest = lines.pop() ?? "";
  for (const line of lines) if (line.trim() !== "") console.log(`[install-test] ${prefix}${line}`);
}

function capture(child: ChildProcess, label: string, quiet: boolean) {
  let stdout = "";
  let stderr = "";
  const outCarry = { rest: "" };
  const errCarry = { rest: "" };
  child.stdout?.on("data", (chunk) => {
    stdout += String(chunk);
    if (!quiet) echo(`${label}| `, String(chunk), outCarry);
  });
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
    if (!quiet) echo(`${label}! `, String(chunk), errCarry);
  });
  return { out: () => stdout, err: () => stderr };
}

/**
 * Runs `command args` in `cwd` to completion; fails after `timeoutMs` (killing it). Prints the
 * command, its output (unless `quiet`) and every `heartbeatMs` the time elapsed.
 */
export async function run(
  command: string,
  args: readonly string[],
  options: {
    cwd: string;
    timeoutMs: number;
    quiet?: boolean;
    heartbeatMs?: number;
    env?: Record<string, string>;
  },
): Promise<CommandResult> {
  const started = Date.now();
  const label = [command, ...args.slice(0, 2)].join(" ");
  console.log(`[install-test] $ ${command} ${args.join(" ")}   (in ${options.cwd})`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: userEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = capture(child, label, options.quiet ?? false);
  const heartbeat = setInterval(
    () =>
      console.log(
        `[install-test] ${label}: still running, ${Math.round((Date.now() - started) / 1000)} s`,
      ),
    options.heartbeatMs ?? 10_000,
  );
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(
          new Error(
            `${command} ${args.join(" ")} did not finish within ${options.timeoutMs / 1000} s:\n${output.out()}\n${output.err()}`,
          ),
        );
      }, options.timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("exit", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    console.log(
      `[install-test] ${label}: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return { code, stdout: output.out(), stderr: output.err() };
  } finally {
    clearInterval(heartbeat);
  }
}

/** Like {@link run}, but throws with the output unless the command exits 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: Parameters<typeof run>[2],
): Promise<CommandResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** A command running in the background (a worker). */
export interface Background {
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `command args` in the background, in a process group of its own (as a terminal runs a
 * command), and waits until its output contains `ready`. `stop` signals the whole group, as
 * Ctrl-C does: `npx` passes a signal sent to it alone on to nothing.
 */
export async function start(
  command: string,
  args: readonly string[],
  options: { cwd: string; ready: string; timeoutMs: number },
): Promise<Background> {
  console.log(`[install-test] $ ${command} ${args.join(" ")} &   (in ${options.cwd})`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: userEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output = capture(child, "worker", false);
  const all = () => output.out() + output.err();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const deadline = Date.now() + options.timeoutMs;
  while (!all().includes(options.ready)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      signalGroup("SIGKILL");
      throw new Error(`${command} ${args.join(" ")} did not print "${options.ready}":\n${all()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    output: all,
    stop: async (signal = "SIGTERM") => {
      signalGroup(signal);
      const timer = setTimeout(() => signalGroup("SIGKILL"), 30_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
