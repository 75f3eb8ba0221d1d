/**
 * Isolated stages on real child processes and worker threads: a Node host runs stages whose
 * bodies run in children started by `createIsolatedStageRunner` (the child entry and the
 * workflow module are bundled as they would be built). Logs and progress reach the run;
 * cancellation and timeouts kill the child; a crash fails only its attempt; a memory limit
 * ends a child that exceeds it.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AnyWorkflow,
  createKernel,
  createRegistry,
  decodeValue,
  ISOLATION_PROTOCOL,
  type IsolatedTask,
  type RunRecord,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createIsolatedStageRunner, createNodeHost, type NodeHost } from "../src/index.js";
import * as workload from "./support/isolated-workload.js";
import { isolationFiles } from "./support/isolation-bundle.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => {}, error: () => {} };

async function until<T>(check: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(25);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const hosts: NodeHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop();
});

async function setup(options: { module?: boolean } = {}) {
  const files = await isolationFiles();
  const stack = createInMemoryStack();
  const runner = createIsolatedStageRunner({
    childEntry: files.childEntry,
    killGraceMs: 300,
    ...(options.module === false ? {} : { module: files.moduleUrl }),
  });
  const kernel = createKernel({
    ...stack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry(workload.workflows as AnyWorkflow[]),
    stageRunner: runner,
  });
  const host = createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    leaseMs: 1_000,
    orchestrationIntervalMs: 100,
    jobPollIntervalMs: 20,
    maxIdlePollIntervalMs: 50,
    logger: quiet,
  });
  hosts.push(host);
  await host.start();
  const start = async (workflowId: string, input: unknown) =>
    (await kernel.dispatch({ type: "run.create", workflowId, input })).workflowRunId;
  const finished = (id: string, ms?: number) =>
    until(async () => {
      const run = await stack.persistence.getRun(id);
      return run && ["COMPLETED", "FAILED", "CANCELLED"].includes(run.status) ? run : undefined;
    }, ms);
  return { files, stack, runner, kernel, host, start, finished };
}

const output = (run: RunRecord) => decodeValue<Record<string, unknown>>(run.output);
const scratch = () => mkdtempSync(join(tmpdir(), "ratchet-iso-"));

describe("isolated stages on a Node host", () => {
  for (const mode of ["process", "thread"] as const) {
    it(`logs, progress and metadata from a ${mode} reach the run`, async () => {
      const t = await setup();
      const id = await t.start(`iso-report-${mode}`, { steps: 3 });
      const run = await t.finished(id);
      expect(run.status).toBe("COMPLETED");
      const pid = output(run).pid as number;
      if (mode === "process") expect(pid).not.toBe(process.pid);
      else expect(pid).toBe(process.pid);
      const logs = await t.stack.queries.listLogs(id);
      expect(logs.map((l) => l.message)).toEqual(["step 1", "step 2", "step 3"]);
      expect(logs[2]).toMatchObject({ level: "info", stageId: "report", data: { i: 3, pid } });
      expect(await t.stack.persistence.getStage(id, "report")).toMatchObject({
        progress: { progress: 100, message: "step 3" },
      });
      expect(run.metadata).toMatchObject({ child: { pid } });
      await until(() => t.runner.running.size === 0, 5_000);
    });
  }

  it("cancelling the run kills the child process: its pid is gone", async () => {
    const t = await setup();
    const file = join(scratch(), "pid");
    const id = await t.start("iso-hang-process", { file });
    const pid = await until(() => {
      try {
        const text = readFileSync(file, "utf8");
        return Number(text.split("\n")[0]) || undefined;
      } catch {
        return undefined;
      }
    });
    expect(pid).not.toBe(process.pid);
    expect(alive(pid)).toBe(true);
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId: id, reason: "test" });
    await until(() => !alive(pid), 5_000);
    expect((await t.finished(id)).status).toBe("CANCELLED");
    await until(() => t.runner.running.size === 0, 5_000);
  });

  it("cancelling the run terminates the worker thread: its busy loop stops", async () => {
    const t = await setup();
    const file = join(scratch(), "ticks");
    const id = await t.start("iso-hang-thread", { file });
    await until(() => {
      try {
        return readFileSync(file, "utf8").includes("tick") || undefined;
      } catch {
        return undefined;
      }
    });
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId: id, reason: "test" });
    await until(() => t.runner.running.size === 0, 5_000);
    const size = statSync(file).size;
    await sleep(600);
    expect(statSync(file).size).toBe(size);
    expect((await t.finished(id)).status).toBe("CANCELLED");
  });

  it("the stage's timeoutMs kills the child process and fails the attempt with STAGE_TIMEOUT", async () => {
    const t = await setup();
    const file = join(scratch(), "pid");
    const started = Date.now();
    const id = await t.start("iso-stage-timeout", { file });
    const run = await t.finished(id);
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ code: "STAGE_TIMEOUT" });
    expect(Date.now() - started).toBeLessThan(20_000);
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    expect(pid).toBeGreaterThan(0);
    await until(() => !alive(pid), 5_000);
  });

  it("isolation.timeoutMs terminates a worker thread: ISOLATED_STAGE_TIMEOUT", async () => {
    const t = await setup();
    const file = join(scratch(), "ticks");
    const id = await t.start("iso-limit-thread", { file });
    const run = await t.finished(id);
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ code: "ISOLATED_STAGE_TIMEOUT" });
    await until(() => t.runner.running.size === 0, 5_000);
  });

  it("a crash (process.exit(3)) fails only that attempt: the retry, in a new child, succeeds", async () => {
    const t = await setup();
    const file = join(scratch(), "attempts");
    const id = await t.start("iso-crash", { file });
    const run = await t.finished(id);
    expect(run.status).toBe("COMPLETED");
    expect(output(run)).toEqual({ attempt: 2 });
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    const pids = lines.map((l) => Number(l.split(" ")[2]));
    expect(new Set([...pids, process.pid]).size).toBe(3);
  });

  it("a crash rejects with ISOLATED_STAGE_CRASHED naming the exit code or the signal", async () => {
    const t = await setup();
    const task = (workflow: AnyWorkflow, stageId: string, input: unknown): IsolatedTask => ({
      protocol: ISOLATION_PROTOCOL,
      workflowId: workflow.id,
      workflowVersion: workflow.version,
      fingerprint: workflow.fingerprint,
      workflowRunId: "run-1",
      stageId,
      attempt: 1,
      maxAttempts: 2,
      input: input as IsolatedTask["input"],
      config: {},
      runInput: {},
      outputs: {},
      metadata: {},
    });
    const request = (isolatedTask: IsolatedTask) => ({
      task: isolatedTask,
      isolation: { mode: "process" as const },
      signal: new AbortController().signal,
      onMessage: async () => undefined,
    });
    const file = join(scratch(), "attempts");
    await expect(
      t.runner.run(request(task(workload.crashing, "crash", { file }))),
    ).rejects.toMatchObject({
      code: "ISOLATED_STAGE_CRASHED",
      message: expect.stringContaining("exited with code 3"),
    });
    await expect(t.runner.run(request(task(workload.aborting, "abort", {})))).rejects.toMatchObject(
      { code: "ISOLATED_STAGE_CRASHED", message: expect.stringContaining("SIGABRT") },
    );
    const id = await t.start("iso-abort", {});
    expect(output(await t.finished(id))).toEqual({ attempt: 2 });
  });

  for (const mode of ["process", "thread"] as const) {
    it(`a ${mode} past its memoryMb fails with ISOLATED_STAGE_CRASHED (out of memory)`, async () => {
      const t = await setup();
      const id = await t.start(`iso-hog-${mode}`, {});
      const run = await t.finished(id, 60_000);
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatchObject({
        code: "ISOLATED_STAGE_CRASHED",
        message: expect.stringContaining("out of memory"),
      });
    });
  }

  it("a runner with no module for the stage fails it with ISOLATED_STAGE_MODULE_UNKNOWN", async () => {
    const t = await setup({ module: false });
    const id = await t.start("iso-report-thread", { steps: 1 });
    const run = await t.finished(id);
    expect(run.error).toMatchObject({ code: "ISOLATED_STAGE_MODULE_UNKNOWN" });
  });
});
