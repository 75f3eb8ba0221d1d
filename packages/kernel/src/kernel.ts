/**
 * `createKernel`: the command dispatcher. It owns no timers, signals or globals; hosts call
 * `dispatch` in loops or per message.
 */

import type { NestedDispatch } from "./commands/command.js";
import {
  COMMAND_MODULES,
  type Command,
  type CommandResult,
  type CommandType,
  passesFastCheck,
} from "./commands/index.js";
import type { WorkflowRegistry } from "./dsl/registry.js";
import { InvalidCommandError } from "./errors.js";
import { type IdGenerator, uuidv7Generator } from "./internal/ids.js";
import type { KernelDeps } from "./internal/kernel-deps.js";
import { InFlightRegistry } from "./internal/stage/in-flight.js";
import { OutputCache } from "./internal/stage/output-cache.js";
import { type KernelOptions, resolveKernelOptions } from "./options.js";
import type { BlobStore } from "./ports/blob-store.js";
import { type Clock, systemClock } from "./ports/clock.js";
import type { EventSink } from "./ports/event-sink.js";
import type { JobPublisher } from "./ports/job-publisher.js";
import type { JobTransport } from "./ports/job-transport.js";
import type { Persistence } from "./ports/persistence/index.js";
import type { RunStarter } from "./ports/run-starter.js";
import type { Scheduler } from "./ports/scheduler.js";
import type { StageRunner } from "./ports/stage-runner.js";
import { stageCommitterFor } from "./ports/transactional-committer.js";
import { KernelTelemetry } from "./telemetry/telemetry.js";

/** What `createKernel` needs: the six ports, the workflows, and optional tuning. */
export interface KernelConfig {
  persistence: Persistence;
  blobStore: BlobStore;
  jobTransport: JobTransport;
  eventSink: EventSink;
  scheduler: Scheduler;
  /**
   * The source of time (default `systemClock`). The Prisma stacks bring their own
   * (`stack.clock`; on PostgreSQL the database server's), so `{ ...stack }` passes it.
   */
  clock?: Clock;
  registry: WorkflowRegistry;
  options?: Partial<KernelOptions>;
  /** Id generator for new records (default: UUIDv7 from the clock). */
  newId?: IdGenerator;
  /** Uniform in [0, 1), for the jitter of retry delays (default `Math.random`). */
  random?: () => number;
  /**
   * Services handed to every stage as `ctx.plugins` (e.g. `{ orders, email }`); the kernel
   * never reads them. Default: none.
   */
  plugins?: Record<string, unknown>;
  /**
   * OpenTelemetry spans and metrics through `@opentelemetry/api` (docs/observability.md): on
   * by default, and free until an SDK is registered. `false` turns them off for this kernel.
   */
  telemetry?: boolean;
  /**
   * Publishes, after each commit, the work it made ready (new and retried jobs, runs that
   * became `PENDING`) to a message queue, so hosts fed by one (Lambda + SQS, Workers + Queues,
   * NATS JetStream) start it within milliseconds instead of at the next maintenance tick. Best
   * effort: the database stays the source of truth (see `ports/job-publisher.ts`). Default: none.
   */
  jobPublisher?: JobPublisher;
  /**
   * Runs the bodies of isolated stages (`isolation` on a stage or task, `.isolated()` on a
   * workflow) in a child process or a worker thread, e.g. `createIsolatedStageRunner()` of
   * `@ratchet/host-node` (see `ports/stage-runner.ts`). Default: none — an isolated stage's
   * attempt then fails with `ISOLATION_UNAVAILABLE` (not retried).
   */
  stageRunner?: StageRunner;
}

/** The kernel: a typed command dispatcher. */
export interface Kernel {
  /**
   * Processes one command. Rejects with a `RatchetError` (stable `code`) when the command is
   * malformed (`INVALID_COMMAND`) or cannot be carried out; nothing is half-written.
   */
  dispatch<C extends Command>(command: C): Promise<CommandResult<C["type"]>>;
  /** The options in force (defaults merged with the config's). */
  readonly options: Readonly<KernelOptions>;
  /**
   * The route keys of the definitions this kernel registered (see `WorkflowRegistry.routes`):
   * hosts pass them to `JobTransport.dequeue`/`claimJob`, so a worker is handed only jobs of
   * runs it can run.
   */
  readonly routes: readonly string[];
  /**
   * The kernel's clock: hosts measure what is due (and pass times to ports) by it. Always set
   * by `createKernel`; optional so hand-made kernels (test doubles) need not have one.
   */
  readonly clock?: Clock;
}

/**
 * How an unknown command `type` appears in the error: strings as JSON, anything else by its
 * `typeof` (JSON.stringify throws on a BigInt or a cycle, and the error must not).
 */
/** The persistence's run starter for `jobTransport`, as a `KernelDeps` field (none: `{}`). */
function runStarterOf(
  persistence: Persistence,
  jobTransport: JobTransport,
): { runStarter?: RunStarter } {
  const runStarter = persistence.runStarter?.(jobTransport);
  return runStarter ? { runStarter } : {};
}

function describeType(type: unknown): string {
  return typeof type === "string"
    ? JSON.stringify(type)
    : `(${type === null ? "null" : typeof type})`;
}

/**
 * Creates a kernel over the given ports.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ persistence, blobStore, jobTransport, eventSink, scheduler,
 *   registry: createRegistry([documentWorkflow]) }); // clock: systemClock by default
 * const { workflowRunId } = await kernel.dispatch({ type: "run.create", workflowId: "docs", input });
 * ```
 */
export function createKernel(config: KernelConfig): Kernel {
  const options = resolveKernelOptions(config.options);
  const clock = config.clock ?? systemClock;
  const newId = config.newId ?? uuidv7Generator(clock);
  const ports = {
    persistence: config.persistence,
    jobTransport: config.jobTransport,
    scheduler: config.scheduler,
    clock,
    newId,
  };
  const deps: KernelDeps = {
    ...ports,
    blobStore: config.blobStore,
    eventSink: config.eventSink,
    registry: config.registry,
    options,
    outputCache: new OutputCache(options.outputCacheBytes),
    inFlight: new InFlightRegistry(),
    committer: stageCommitterFor(ports),
    ...runStarterOf(config.persistence, config.jobTransport),
    random: config.random ?? Math.random,
    plugins: Object.freeze({ ...config.plugins }),
    retentionSweep: { nextAt: 0 },
    // Not in `ports`: the transactional committer is built on those and must not report runs
    // its caller reports (see commit-completed.ts).
    ...(config.telemetry === false ? {} : { telemetry: new KernelTelemetry(clock) }),
    ...(config.jobPublisher ? { jobPublisher: config.jobPublisher } : {}),
    ...(config.stageRunner ? { stageRunner: config.stageRunner } : {}),
  };

  // Not an async function: the handler's promise is handed back as it is, without another
  // promise wrapped around it (two more microtask turns per command); a throw still rejects.
  const dispatch: NestedDispatch = (command) => {
    try {
      return checkedHandle(command);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const checkedHandle: NestedDispatch = (command) => {
    const type = (command as { type?: unknown } | null)?.type;
    // The table has no prototype: "toString" or "__proto__" find nothing.
    const module = typeof type === "string" ? COMMAND_MODULES[type as CommandType] : undefined;
    if (module === undefined) {
      throw new InvalidCommandError(`[ratchet] unknown command type ${describeType(type)}`, {
        field: "type",
      });
    }
    // The fast check passes well-formed commands; zod runs only to judge the rest and to
    // build the error, so a bad command fails exactly as before.
    const parsed = passesFastCheck(module, command) ? undefined : module.schema.safeParse(command);
    if (parsed !== undefined && !parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue ? issue.path.join(".") : "";
      throw new InvalidCommandError(
        `[ratchet] ${type}: ${field ? `${field}: ` : ""}${issue?.message ?? "invalid command"}`,
        {
          ...(field ? { field } : {}),
        },
      );
    }
    return module.handle(command as never, deps, dispatch);
  };

  return {
    dispatch: dispatch as Kernel["dispatch"],
    options,
    routes: config.registry.routes(),
    clock,
  };
}
