/**
 * `handleQueueBatch` settles each message by what `handleJob` says: ack, retry after an
 * unexpected error, hand back until a job is due, ack and report a malformed body — with at
 * most `concurrency` messages in flight. The host is a stand-in answering per message; the
 * whole loop on workerd's real queue is in end-to-end.miniflare.test.ts.
 */
import type { HandleJobResult } from "@ratchet/host-serverless";
import { describe, expect, it } from "vitest";
import {
  handleQueueBatch,
  type JobHandler,
  type QueueMessage,
  type QueueMessageReport,
  type QueueRetryOptions,
} from "../src/index.js";

const NOW = new Date("2026-01-01T00:00:00.000Z");

interface SpiedMessage extends QueueMessage {
  settled: Array<"ack" | QueueRetryOptions | undefined>;
}

function message(id: string, body: unknown): SpiedMessage {
  const settled: SpiedMessage["settled"] = [];
  return {
    id,
    body,
    attempts: 1,
    settled,
    ack: () => settled.push("ack"),
    retry: (options) => settled.push(options),
  };
}

/** A host answering each `{ jobId }` with `answers[jobId]`. */
function host(answers: Record<string, HandleJobResult | Error>): JobHandler & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    handleJob: async (body) => {
      seen.push(body);
      const answer = answers[(body as { jobId: string }).jobId];
      if (answer instanceof Error) throw answer;
      return (
        answer ?? {
          outcome: "failed",
          ack: true,
          error: { code: "INVALID_MESSAGE", message: "bad" },
        }
      );
    },
  };
}

describe("handleQueueBatch", () => {
  it("acks, retries and hands back each message as handleJob says", async () => {
    const messages = [
      message("m1", { jobId: "done" }),
      message("m2", { jobId: "dup" }),
      message("m3", { jobId: "down" }),
      message("m4", { jobId: "early" }),
      message("m5", JSON.stringify({ jobId: "done" })), // a "text" message carrying JSON
    ];
    const reports: QueueMessageReport[] = [];
    const result = await handleQueueBatch(
      host({
        done: { outcome: "completed", ack: true },
        dup: { outcome: "skipped", ack: true, reason: "job is completed" },
        down: { outcome: "failed", ack: false, error: { code: "DB_DOWN", message: "no db" } },
        early: { outcome: "skipped", ack: true, notBefore: new Date(NOW.getTime() + 90_500) },
      }),
      { queue: "jobs", messages },
      { now: () => NOW, retryDelaySeconds: 7, onError: (r) => reports.push(r) },
    );
    expect(messages.map((m) => m.settled)).toEqual([
      ["ack"],
      ["ack"],
      [{ delaySeconds: 7 }],
      [{ delaySeconds: 91 }],
      ["ack"],
    ]);
    expect(result).toEqual({
      messages: 5,
      acked: 3,
      retried: 1,
      delayed: 1,
      invalid: 0,
      outcomes: { completed: 2, skipped: 2, failed: 1 },
    });
    expect(reports).toEqual([
      {
        queue: "jobs",
        messageId: "m3",
        attempts: 1,
        action: "retried",
        error: { code: "DB_DOWN", message: "no db" },
      },
    ]);
  });

  it("acks and reports a malformed body: text that is not JSON, or not a job message", async () => {
    const messages = [message("t", "{oops"), message("o", { jobId: "nope" })];
    const reports: QueueMessageReport[] = [];
    const stub = host({});
    const result = await handleQueueBatch(
      stub,
      { queue: "jobs", messages },
      {
        onError: (r) => reports.push(r),
      },
    );
    expect(messages.map((m) => m.settled)).toEqual([["ack"], ["ack"]]);
    expect(stub.seen).toEqual([{ jobId: "nope" }]); // the text never reached the host
    expect(result).toMatchObject({ acked: 2, invalid: 2, retried: 0 });
    expect(reports.map((r) => [r.messageId, r.action, r.error.code])).toEqual([
      ["t", "acked", "INVALID_MESSAGE"],
      ["o", "acked", "INVALID_MESSAGE"],
    ]);
  });

  it("retries only the message whose handleJob threw", async () => {
    const messages = [message("a", { jobId: "boom" }), message("b", { jobId: "ok" })];
    const reports: QueueMessageReport[] = [];
    const result = await handleQueueBatch(
      host({ boom: new Error("kaput"), ok: { outcome: "completed", ack: true } }),
      { queue: "jobs", messages },
      { onError: (r) => reports.push(r) },
    );
    expect(messages.map((m) => m.settled)).toEqual([[{ delaySeconds: 10 }], ["ack"]]);
    expect(result).toMatchObject({ acked: 1, retried: 1 });
    expect(reports[0]?.error).toEqual({ code: "UNEXPECTED_ERROR", message: "kaput" });
  });

  it("hands a job due in the past back at once, and caps a far one at 12 hours", async () => {
    const messages = [message("past", { jobId: "past" }), message("far", { jobId: "far" })];
    await handleQueueBatch(
      host({
        past: { outcome: "skipped", ack: true, notBefore: new Date(NOW.getTime() - 5) },
        far: { outcome: "skipped", ack: true, notBefore: new Date(NOW.getTime() + 86_400_000) },
      }),
      { queue: "jobs", messages },
      { now: () => NOW },
    );
    expect(messages.map((m) => m.settled)).toEqual([
      [{ delaySeconds: 0 }],
      [{ delaySeconds: 43_200 }],
    ]);
  });

  it("handles at most `concurrency` messages at once, and all of them", async () => {
    let running = 0;
    let most = 0;
    const slow: JobHandler = {
      handleJob: async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return { outcome: "completed", ack: true };
      },
    };
    const messages = Array.from({ length: 20 }, (_, i) => message(`m${i}`, { jobId: `j${i}` }));
    const result = await handleQueueBatch(slow, { queue: "jobs", messages }, { concurrency: 3 });
    expect(most).toBe(3);
    expect(result.acked).toBe(20);
    expect(messages.every((m) => m.settled.length === 1 && m.settled[0] === "ack")).toBe(true);
  });

  it("refuses bad options with INVALID_OPTIONS naming the field", async () => {
    const batch = { queue: "jobs", messages: [] };
    await expect(handleQueueBatch(host({}), batch, { concurrency: 0 })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      field: "concurrency",
    });
    await expect(
      handleQueueBatch(host({}), batch, { retryDelaySeconds: -1 }),
    ).rejects.toMatchObject({ field: "retryDelaySeconds" });
  });
});
