/** Starts the reference Python worker (examples/workers/python) as a real process. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
/** The reference worker the tests run. */
export const PYTHON_WORKER = join(ROOT, "examples", "workers", "python", "ratchet_worker.py");
const HANDLERS = join(import.meta.dirname, "test_handlers.py");

/** A running Python worker. */
export interface PythonWorker {
  child: ChildProcess;
  /** Its stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts `python3 ratchet_worker.py --handlers test_handlers.py` serving the gateway at `url`. */
export function startPythonWorker(options: {
  url: string;
  token: string;
  workerId: string;
  ledger: string;
}): PythonWorker {
  const child = spawn(
    "python3",
    [PYTHON_WORKER, "--handlers", HANDLERS, "--worker-id", options.workerId, "--wait-ms", "2000"],
    {
      env: {
        ...process.env,
        RATCHET_URL: options.url,
        RATCHET_TOKEN: options.token,
        RATCHET_WORKER_ID: options.workerId,
        RATCHET_LEDGER: options.ledger,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return {
    child,
    output: () => text,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
