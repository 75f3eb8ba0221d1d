/**
 * Wake-ups: announced only after the enqueuing transaction commits, never after a rollback;
 * on PostgreSQL also to another stack (another process) through LISTEN/NOTIFY.
 */
import type { NewJob } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import type { WakeupKind } from "../../src/index.js";
import type { DatabaseProvider } from "../../src/provider.js";
import { useStack } from "./stacks.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function job(id: string): NewJob {
  return {
    jobId: id,
    workflowRunId: "r",
    workflowId: "w",
    route: "w",
    stageId: "s",
    priority: 0,
    maxAttempts: 1,
    payload: {},
    availableAt: new Date(0),
  };
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a wake-up");
    await sleep(10);
  }
}

/** Registers the wake-up tests for `provider`. */
export function registerWakeups(provider: DatabaseProvider): void {
  const harness = useStack(provider, `wakeups_${provider}`);

  describe(`wake-ups on ${provider}`, () => {
    it("announce a job only after its transaction commits, and never after a rollback", async () => {
      const { stack } = harness();
      await harness().truncate();
      const seen: WakeupKind[] = [];
      const unsubscribe = stack.wakeups.subscribe((kind) => seen.push(kind));
      // A new LISTEN connection announces both kinds once it listens (work may have come meanwhile).
      if (provider === "postgresql")
        await until(() => seen.includes("run") && seen.includes("job"));
      seen.length = 0;
      await stack.persistence.withTransaction(async (tx) => {
        await stack.jobTransport.enqueue([job("j1")], tx);
        await sleep(100);
        expect(seen).toEqual([]);
      });
      await until(() => seen.includes("job"));
      // On PostgreSQL the LISTEN connection echoes the same wake-up a moment later.
      await sleep(300);
      seen.length = 0;
      await expect(
        stack.persistence.withTransaction(async (tx) => {
          await stack.jobTransport.enqueue([job("j2")], tx);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      await sleep(300);
      expect(seen).toEqual([]);
      unsubscribe();
    });

    it(`reaches a host in another process (another stack) through ${provider === "postgresql" ? "LISTEN/NOTIFY" : "a watch on the file"}`, async () => {
      const writer = harness().stack;
      const idle = await harness().open();
      const seen: WakeupKind[] = [];
      idle.wakeups.subscribe((kind) => seen.push(kind));
      if (provider === "postgresql")
        await until(() => seen.includes("run") && seen.includes("job"));
      else await sleep(100);
      seen.length = 0;
      await writer.persistence.createRun({
        id: "run-wake",
        workflowId: "w",
        workflowVersion: "1",
        fingerprint: "",
        priority: 0,
        input: null,
        config: {},
        metadata: {},
        idempotencyKey: null,
        eventSeq: 0,
        createdAt: new Date(0),
      });
      await writer.jobTransport.enqueue([job("j3")]);
      await until(() => seen.includes("run") && seen.includes("job"));
    });
  });
}
