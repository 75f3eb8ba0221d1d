/**
 * Workflows with isolated stages for the isolation tests: the test process registers them
 * from this source, and the stages' children import the same module bundled (see
 * `isolation-bundle.ts`). Stages record what they did in files named by their input, so the
 * tests can count executions across processes.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { defineStage, defineWorkflow, workflow } from "@ratchet/kernel";
import { z } from "zod";

/** Busy-waits `ms` without yielding: nothing else runs on this event loop meanwhile. */
function block(ms: number, onTick?: () => void): void {
  const end = Date.now() + ms;
  let tick = Date.now();
  while (Date.now() < end) {
    if (onTick && Date.now() - tick >= 100) {
      tick = Date.now();
      onTick();
    }
  }
}

const BlockInput = z.object({ file: z.string(), ms: z.number() });

/**
 * A workflow of one stage that blocks its event loop for `ms`, recording `start <pid>` and
 * `end <pid>` lines in `file`: in a child process when `isolated`, else in the worker.
 */
function blockingWorkflow(id: string, name: string, isolated: boolean) {
  return defineWorkflow({ id, name, input: BlockInput, output: z.object({ pid: z.number() }) })
    .pipe(
      defineStage({
        id: "block",
        name: "Block",
        ...(isolated ? { isolation: "process" as const } : {}),
        retry: { maxAttempts: 3, intervalMs: 10 },
        schemas: { input: BlockInput, output: z.object({ pid: z.number() }) },
        execute: (ctx) => {
          appendFileSync(ctx.input.file, `start ${process.pid} attempt ${ctx.attempt}\n`);
          block(ctx.input.ms);
          appendFileSync(ctx.input.file, `end ${process.pid}\n`);
          return { pid: process.pid };
        },
      }),
    )
    .build();
}

/** The blocking stage in a child process. */
export const blocking = blockingWorkflow("iso-block", "Blocking stage", true);

/** The same stage run in the worker (no isolation): what the isolation tests contrast with. */
export const blockingInline = blockingWorkflow(
  "iso-block-inline",
  "Blocking stage, not isolated",
  false,
);

const reportTask = async (
  input: { steps: number },
  ctx: Parameters<Parameters<ReturnType<typeof workflow>["task"]>[1]["handler"]>[1],
) => {
  for (let i = 1; i <= input.steps; i++) {
    ctx.log.info(`step ${i}`, { i, pid: process.pid });
    ctx.onProgress({ progress: (100 * i) / input.steps, message: `step ${i}` });
  }
  await ctx.setMetadata("child", { pid: process.pid });
  return { pid: process.pid, prev: ctx.prev };
};

/** Logs and progress from a child process (`.isolated()`, the default mode). */
export const reportingProcess = workflow("iso-report-process")
  .isolated()
  .task("report", { handler: reportTask })
  .build();

/** Logs and progress from a worker thread. */
export const reportingThread = workflow("iso-report-thread")
  .isolated("thread")
  .task("report", { handler: reportTask })
  .build();

const HangInput = z.object({ file: z.string() });

/** Writes its pid (or thread's tick lines) to `file`, then blocks until it is killed. */
function hangStage(
  id: string,
  isolation: "process" | "thread" | { mode: "process" | "thread"; timeoutMs: number },
  timeoutMs?: number,
) {
  return defineStage({
    id,
    name: id,
    isolation,
    retry: { maxAttempts: 1 },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    schemas: { input: HangInput, output: z.object({}) },
    execute: (ctx) => {
      writeFileSync(ctx.input.file, `${process.pid}\n`);
      block(600_000, () => appendFileSync(ctx.input.file, "tick\n"));
      return {};
    },
  });
}

const hanging = (id: string, stage: ReturnType<typeof hangStage>) =>
  defineWorkflow({ id, name: id, input: HangInput, output: z.object({}) })
    .pipe(stage)
    .build();

/** Blocks forever in a child process: for cancellation. */
export const hangProcess = hanging("iso-hang-process", hangStage("hang", "process"));
/** Blocks forever in a thread: for cancellation. */
export const hangThread = hanging("iso-hang-thread", hangStage("hang", "thread"));
/** Blocks past the stage's `timeoutMs` (4 000 ms) in a child process. */
export const stageTimeout = hanging("iso-stage-timeout", hangStage("hang", "process", 4_000));
/** Blocks past `isolation.timeoutMs` (4 000 ms) in a thread. */
export const isolationTimeout = hanging(
  "iso-limit-thread",
  hangStage("hang", { mode: "thread", timeoutMs: 4_000 }),
);

/** Exits with code 3 on its first attempt (a crash), returns on its second. */
export const crashing = workflow("iso-crash")
  .isolated()
  .task("crash", {
    retry: { maxAttempts: 2, intervalMs: 10 },
    handler: (input: { file: string }, ctx) => {
      appendFileSync(input.file, `attempt ${ctx.attempt} ${process.pid}\n`);
      if (ctx.attempt === 1) process.exit(3);
      return { attempt: ctx.attempt };
    },
  })
  .build();

/** Aborts (SIGABRT) on its first attempt, returns on its second. */
export const aborting = workflow("iso-abort")
  .isolated()
  .task("abort", {
    retry: { maxAttempts: 2, intervalMs: 10 },
    handler: (_input: unknown, ctx) => {
      if (ctx.attempt === 1) process.abort();
      return { attempt: ctx.attempt };
    },
  })
  .build();

/** Allocates past its 48 MB heap limit, in a process or a thread: no retries. */
function hog(id: string, mode: "process" | "thread") {
  return workflow(id)
    .isolated({ mode, memoryMb: 48 })
    .task("hog", {
      retry: { maxAttempts: 1 },
      handler: () => {
        const kept: number[][] = [];
        for (;;) kept.push(new Array(100_000).fill(kept.length));
      },
    })
    .build();
}

/** Runs out of memory in a child process. */
export const hogProcess = hog("iso-hog-process", "process");
/** Runs out of memory in a worker thread. */
export const hogThread = hog("iso-hog-thread", "thread");

/** Every workflow of this module (what the children look stages up in). */
export const workflows = [
  blocking,
  blockingInline,
  reportingProcess,
  reportingThread,
  hangProcess,
  hangThread,
  stageTimeout,
  isolationTimeout,
  crashing,
  aborting,
  hogProcess,
  hogThread,
];
