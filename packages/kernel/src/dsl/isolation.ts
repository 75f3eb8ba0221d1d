/**
 * Isolated stages: a stage whose `execute` runs in a child process or a worker thread, so a
 * body that blocks its event loop (a busy loop, native code, untrusted code) cannot stop the
 * host from heartbeating the job's lease. The kernel only carries the option and hands the body
 * to the host's `StageRunner` (see `ports/stage-runner.ts`); it starts nothing itself.
 */
import { WorkflowDefinitionError } from "../errors.js";

/** Where an isolated stage runs: a child process (the default) or a worker thread. */
export type IsolationMode = "process" | "thread";

/** A stage's isolation, as the kernel keeps it (see {@link IsolationOption}). */
export interface StageIsolation {
  /** `"process"`: a forked Node process (untrusted or native code); `"thread"`: a worker thread. */
  readonly mode: IsolationMode;
  /**
   * Heap limit in MB: `--max-old-space-size` of the child process, `resourceLimits` of the
   * thread. Past it the attempt fails with `ISOLATED_STAGE_CRASHED` (retried as configured).
   */
  readonly memoryMb?: number;
  /**
   * Hard time limit of one attempt, from the start of the child (ms): past it the child is
   * killed and the attempt fails with `ISOLATED_STAGE_TIMEOUT`. The stage's own `timeoutMs`
   * still applies (it aborts `ctx.signal`, then the child is killed after a short grace).
   */
  readonly timeoutMs?: number;
  /**
   * The URL (or absolute path) of the module the child imports to find the stage — pass
   * `import.meta.url` of the module that exports the workflow. Default: the module the host's
   * runner was given (`ratchet worker --workflows <module>` gives it that module).
   */
  readonly module?: string;
}

/**
 * How a stage asks to be isolated: `"process"`, `"thread"`, `true` (a process), or an object
 * `{ mode?, memoryMb?, timeoutMs?, module? }` (mode: `"process"` by default).
 */
export type IsolationOption =
  | IsolationMode
  | true
  | {
      mode?: IsolationMode;
      memoryMb?: number;
      timeoutMs?: number;
      module?: string | { readonly href: string };
    };

const MODES: readonly string[] = ["process", "thread"];

/**
 * Checks an isolation option and returns it as the kernel keeps it (frozen). Throws
 * `WorkflowDefinitionError` `INVALID_ISOLATION` naming `owner` and the field.
 */
export function resolveIsolation(
  option: IsolationOption,
  owner: string,
  stageId?: string,
): StageIsolation {
  const bad = (field: string, message: string): never => {
    throw new WorkflowDefinitionError("INVALID_ISOLATION", `[ratchet] ${owner}: ${message}`, {
      field,
      ...(stageId !== undefined ? { stageId } : {}),
    });
  };
  if (option === true) return Object.freeze({ mode: "process" });
  if (typeof option === "string") {
    if (!MODES.includes(option))
      bad("isolation", `isolation must be "process" or "thread", got ${JSON.stringify(option)}`);
    return Object.freeze({ mode: option });
  }
  if (typeof option !== "object" || option === null || Array.isArray(option))
    return bad(
      "isolation",
      'isolation must be "process", "thread", true or { mode, memoryMb, timeoutMs, module }',
    );
  const known = ["mode", "memoryMb", "timeoutMs", "module"];
  for (const key of Object.keys(option))
    if (!known.includes(key))
      bad(`isolation.${key}`, `isolation has no option ${JSON.stringify(key)}`);
  const mode = option.mode ?? "process";
  if (!MODES.includes(mode))
    bad("isolation.mode", `isolation.mode must be "process" or "thread", got ${String(mode)}`);
  const positive = (field: "memoryMb" | "timeoutMs"): number | undefined => {
    const value = option[field];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0)
      bad(`isolation.${field}`, `isolation.${field} must be a whole number above 0`);
    return value;
  };
  const memoryMb = positive("memoryMb");
  const timeoutMs = positive("timeoutMs");
  let module: string | undefined;
  if (option.module !== undefined) {
    const given: unknown = option.module;
    if (typeof given === "string") module = given;
    else if (isUrl(given)) module = (given as { href: string }).href;
    if (module === undefined || module.length === 0)
      bad("isolation.module", "isolation.module must be a URL (import.meta.url) or a path");
  }
  return Object.freeze({
    mode,
    ...(memoryMb !== undefined ? { memoryMb } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(module !== undefined ? { module } : {}),
  });
}

function isUrl(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { href?: unknown }).href === "string"
  );
}
