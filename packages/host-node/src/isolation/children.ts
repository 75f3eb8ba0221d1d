/**
 * The two kinds of isolated child behind one face: a forked Node process (`child_process.fork`)
 * or a worker thread (`worker_threads.Worker`). Both speak the kernel's isolation protocol in
 * JSON messages; the runner (`runner.ts`) does not care which it has.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { IsolationMode } from "@ratchet/kernel";

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A thread's uncaught error (e.g. `ERR_WORKER_OUT_OF_MEMORY`), if it had one. */
  error?: Error;
  /** The last lines the process wrote to stderr (a process only). */
  stderr: string;
}

/** A running isolated child. */
export interface IsolatedChild {
  /** The child process's pid, or the thread's id. */
  readonly id: number;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Resolves once it has exited. */
  readonly exited: Promise<ChildExit>;
  /** Kills it at once: SIGKILL for a process, `terminate()` for a thread. */
  kill(): void;
}

/** What a child is started with. */
export interface ChildSpec {
  mode: IsolationMode;
  /** The child entry module (`isolated-child.js`). */
  entry: URL;
  memoryMb?: number;
  /** Extra flags of a child process's `node`. */
  execArgv: readonly string[];
}

const STDERR_TAIL = 4_000;

/** Starts a child of `spec.mode`. */
export function startChild(spec: ChildSpec): IsolatedChild {
  return spec.mode === "thread" ? startThread(spec) : startProcess(spec);
}

function startProcess(spec: ChildSpec): IsolatedChild {
  const execArgv = [
    ...(spec.memoryMb !== undefined ? [`--max-old-space-size=${spec.memoryMb}`] : []),
    ...spec.execArgv,
  ];
  const child: ChildProcess = fork(fileURLToPath(spec.entry), [], {
    execArgv,
    serialization: "json",
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + String(chunk)).slice(-STDERR_TAIL);
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("error", () => undefined);
    child.once("close", (code, signal) => resolve({ code, signal, stderr }));
  });
  return {
    id: child.pid ?? -1,
    send: (message) => {
      if (child.connected) child.send(message as object, (error) => error && undefined);
    },
    onMessage: (listener) => child.on("message", listener),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

function startThread(spec: ChildSpec): IsolatedChild {
  const worker = new Worker(spec.entry, {
    ...(spec.memoryMb !== undefined
      ? { resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb } }
      : {}),
  });
  let error: Error | undefined;
  worker.on("error", (e) => {
    error = e;
  });
  const exited = new Promise<ChildExit>((resolve) =>
    worker.once("exit", (code) =>
      resolve({ code, signal: null, stderr: "", ...(error ? { error } : {}) }),
    ),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  return {
    id: worker.threadId,
    send: (message) => {
      if (!ended) worker.postMessage(message);
    },
    onMessage: (listener) => worker.on("message", listener),
    exited,
    kill: () => {
      if (!ended) void worker.terminate();
    },
  };
}
