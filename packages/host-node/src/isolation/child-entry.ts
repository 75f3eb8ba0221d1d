/**
 * The entry of an isolated stage's child — a process forked by the runner, or a worker thread.
 * It waits for `{ type: "start", task, module }`, imports `module` (the workflow module), runs
 * the stage with `runIsolatedStage` of `@ratchet/kernel`, sends the result and exits.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import {
  type ChildMessage,
  type IsolatedResult,
  type IsolatedTask,
  type ParentMessage,
  runIsolatedStage,
  toIsolatedError,
} from "@ratchet/kernel";

interface Port {
  send(message: ChildMessage | IsolatedResult, done?: () => void): void;
  on(listener: (message: unknown) => void): void;
}

const port: Port =
  isMainThread || parentPort === null
    ? {
        send: (message, done) => {
          process.send?.(message, undefined, {}, () => done?.());
        },
        on: (listener) => process.on("message", listener),
      }
    : {
        send: (message, done) => {
          parentPort?.postMessage(message);
          done?.();
        },
        on: (listener) => parentPort?.on("message", listener),
      };

// A process whose worker died (its IPC channel closed) ends too, as soon as its event loop
// gets a turn: nothing it returns could be committed any more.
if (isMainThread) process.on("disconnect", () => process.exit(1));

const listeners: ((message: ParentMessage) => void)[] = [];
let started = false;

port.on((message) => {
  const m = message as { type?: string; task?: IsolatedTask; module?: string };
  if (m.type === "start" && !started && m.task && m.module) {
    started = true;
    void start(m.task, m.module);
  } else if (m.type !== "start") {
    for (const listener of listeners) listener(message as ParentMessage);
  }
});

async function start(task: IsolatedTask, module: string): Promise<void> {
  let result: IsolatedResult;
  try {
    const exports = (await import(module)) as Record<string, unknown>;
    // The worker died while the module loaded: do not start the stage.
    if (isMainThread && !process.connected) process.exit(1);
    result = await runIsolatedStage(exports, task, {
      send: (message) => port.send(message),
      subscribe: (listener) => listeners.push(listener),
    });
  } catch (error) {
    result = { type: "error", error: toIsolatedError(error) };
  }
  // A process exits once its result is sent; a thread is terminated by the runner.
  port.send(result, () => {
    if (isMainThread) process.exit(0);
  });
}
