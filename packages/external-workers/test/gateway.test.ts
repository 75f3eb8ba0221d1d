/**
 * The gateway over real HTTP with a stand-in for the kernel's side (the `StageRunRequest` the
 * kernel would hand it): requests checked, attempts that end at the host refused to workers,
 * failures mapped, options and non-external stages refused.
 */
import {
  type ChildMessage,
  ISOLATION_PROTOCOL,
  type IsolatedResult,
  type IsolatedTask,
  type StageRunner,
} from "@ratchet/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { externalStage } from "../src/external-stage.js";
import { createExternalWorkerGateway, type ExternalWorkerGateway } from "../src/gateway.js";
import { call, TOKEN } from "./support/setup.js";

const task: IsolatedTask = {
  protocol: ISOLATION_PROTOCOL,
  workflowId: "wf",
  workflowVersion: "1",
  fingerprint: "f",
  workflowRunId: "run-1",
  stageId: "s",
  attempt: 1,
  maxAttempts: 3,
  input: { n: 1 },
  config: {},
  runInput: { n: 1 },
  outputs: {},
  metadata: {},
};

describe("the external worker gateway", () => {
  let gateway: ExternalWorkerGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  async function start(fallback?: StageRunner) {
    gateway = createExternalWorkerGateway({
      tokens: [TOKEN],
      leaseMs: 5_000,
      logger: { warn: () => {}, error: () => {} },
      ...(fallback ? { fallback } : {}),
    });
    return gateway.listen();
  }

  function offer(controller = new AbortController()) {
    const messages: ChildMessage[] = [];
    const result = (gateway as ExternalWorkerGateway).stageRunner.run({
      task,
      isolation: { mode: "process", module: "ratchet-external:t" },
      signal: controller.signal,
      onMessage: async (message) => {
        messages.push(message);
        return undefined;
      },
    });
    return { result, messages, controller };
  }

  const claim = (url: string) =>
    call(url, "/v1/claim", { workerId: "w", tasks: ["t"], waitMs: 2_000 });

  it("refuses malformed requests with 400/404 and the protocol's codes", async () => {
    const url = await start();
    const codeOf = (r: { body: Record<string, unknown> }) =>
      (r.body.error as { code: string }).code;
    const notJson = await call(url, "/v1/claim", "{not json");
    expect([notJson.status, codeOf(notJson)]).toEqual([400, "INVALID_REQUEST"]);
    const noTasks = await call(url, "/v1/claim", { workerId: "w", tasks: [] });
    expect([noTasks.status, codeOf(noTasks)]).toEqual([400, "INVALID_REQUEST"]);
    const version = await call(url, "/v1/claim", {
      protocolVersion: 2,
      workerId: "w",
      tasks: ["t"],
    });
    expect([version.status, codeOf(version)]).toEqual([400, "UNSUPPORTED_PROTOCOL_VERSION"]);
    const missing = await call(url, "/v2/claim", {});
    expect([missing.status, codeOf(missing)]).toEqual([404, "NOT_FOUND"]);
    const empty = await call(url, "/v1/claim", { workerId: "w", tasks: ["t"], waitMs: 0 });
    expect(empty.body).toEqual({ protocolVersion: 1, job: null });
  });

  it("forwards logs and progress, and settles with the output once", async () => {
    const url = await start();
    const { result, messages } = offer();
    const job = (await claim(url)).body.job as {
      jobId: string;
      leaseToken: string;
      input: unknown;
    };
    expect(job.input).toEqual({ n: 1 });
    const at = (action: string) => `/v1/jobs/${job.jobId}/${action}`;
    const leaseToken = job.leaseToken;
    expect((await call(url, at("log"), { leaseToken, level: "warn", message: "m" })).status).toBe(
      200,
    );
    expect((await call(url, at("progress"), { leaseToken, progress: 40 })).status).toBe(200);
    expect((await call(url, at("progress"), { leaseToken, progress: 400 })).status).toBe(400);
    expect((await call(url, at("complete"), { leaseToken, output: { ok: 1 } })).status).toBe(200);
    await expect(result).resolves.toEqual({ type: "result", output: { ok: 1 } });
    expect(messages).toEqual([
      { type: "log", level: "warn", message: "m" },
      { type: "progress", progress: 40 },
    ]);
    expect((await call(url, at("complete"), { leaseToken, output: 2 })).status).toBe(409);
    expect(gateway?.pending).toBe(0);
  });

  it("maps fail to the error the attempt throws (retryable or not)", async () => {
    const url = await start();
    for (const retryable of [true, false]) {
      const { result } = offer();
      const job = (await claim(url)).body.job as { jobId: string; leaseToken: string };
      const failed = await call(url, `/v1/jobs/${job.jobId}/fail`, {
        leaseToken: job.leaseToken,
        error: { message: "boom", code: "BAD_IMAGE" },
        retryable,
      });
      expect(failed.status).toBe(200);
      const outcome = (await result) as IsolatedResult & { type: "error" };
      expect(outcome.error).toMatchObject({
        message: "boom",
        code: "BAD_IMAGE",
        nonRetryable: !retryable,
      });
    }
  });

  it("an attempt ended at the host (cancelled, timed out, lease lost) is refused to its worker", async () => {
    const url = await start();
    const { result, controller } = offer();
    const job = (await claim(url)).body.job as { jobId: string; leaseToken: string };
    controller.abort(new Error("cancelled"));
    await expect(result).rejects.toThrow("cancelled");
    const beat = await call(url, `/v1/jobs/${job.jobId}/heartbeat`, { leaseToken: job.leaseToken });
    expect([beat.status, (beat.body.error as { code: string }).code]).toEqual([409, "LEASE_LOST"]);
  });

  it("a waiting claim gets an attempt offered while it waits", async () => {
    const url = await start();
    const waiting = claim(url);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { result } = offer();
    const job = (await waiting).body.job as { jobId: string; leaseToken: string };
    expect(job.jobId).toBeTypeOf("string");
    await call(url, `/v1/jobs/${job.jobId}/complete`, { leaseToken: job.leaseToken, output: null });
    await expect(result).resolves.toEqual({ type: "result", output: null });
  });

  it("hands isolated stages that are not external to the fallback, or refuses them", async () => {
    const fallback: StageRunner = { run: async () => ({ type: "result", output: "fallback" }) };
    await start(fallback);
    const request = {
      task,
      isolation: { mode: "process" as const },
      signal: new AbortController().signal,
      onMessage: async () => undefined,
    };
    await expect(gateway?.stageRunner.run(request)).resolves.toEqual({
      type: "result",
      output: "fallback",
    });
    await gateway?.close();
    gateway = createExternalWorkerGateway({ tokens: [TOKEN] });
    await expect(gateway.stageRunner.run(request)).rejects.toMatchObject({
      code: "STAGE_NOT_EXTERNAL",
    });
  });

  it("refuses bad options and task names", () => {
    expect(() => createExternalWorkerGateway({ tokens: [] })).toThrow(
      expect.objectContaining({ code: "INVALID_GATEWAY_OPTIONS" }),
    );
    expect(() => createExternalWorkerGateway({ tokens: ["short"] })).toThrow(/16 characters/);
    expect(() => createExternalWorkerGateway({ tokens: [TOKEN], leaseMs: 0 })).toThrow(/leaseMs/);
    const schemas = { input: z.object({}), output: z.object({}) };
    expect(() => externalStage({ id: "s", name: "S", task: "bad name!", schemas })).toThrow(
      expect.objectContaining({ code: "INVALID_GATEWAY_OPTIONS" }),
    );
    const stage = externalStage({ id: "s", name: "S", task: "resize-image", schemas });
    expect(stage.isolation).toEqual({ mode: "process", module: "ratchet-external:resize-image" });
  });

  it("close fails the attempts still waiting with GATEWAY_CLOSED", async () => {
    await start();
    const { result } = offer();
    await gateway?.close();
    await expect(result).rejects.toMatchObject({ code: "GATEWAY_CLOSED" });
  });
});
