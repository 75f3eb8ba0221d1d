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

    it("announce 'due' when a schedule is created or resumed, not when it fires or pauses", async () => {
      const { stack } = harness();
      await harness().truncate();
      // On PostgreSQL a second stack stands for another process: it hears through LISTEN/NOTIFY.
      const other = provider === "postgresql" ? await harness().open() : stack;
      const seen: WakeupKind[] = [];
      other.wakeups.subscribe((kind) => seen.push(kind));
      if (provider === "postgresql") await until(() => seen.includes("due"));
      await sleep(100);
      seen.length = 0;
      const now = new Date();
      const created = await stack.persistence.createSchedule({
        id: "nightly",
        workflowId: "w",
        cron: "0 3 * * *",
        timezone: "UTC",
        input: null,
        metadata: {},
        priority: 0,
        overlap: "skip",
        catchUp: "latest",
        paused: false,
        nextFireAt: new Date(now.getTime() + 60_000),
        lastFireAt: null,
        lastRunId: null,
        bufferedAt: null,
        createdAt: now,
      });
      expect(created).not.toBeNull();
      await until(() => seen.includes("due"));
      await sleep(300);
      seen.length = 0;
      // A fire's own update (from a tick) wakes no one, nor does a pause.
      await stack.persistence.updateSchedule(
        "nightly",
        { lastFireAt: now, nextFireAt: new Date(now.getTime() + 60_000) },
        { now },
      );
      await stack.persistence.updateSchedule(
        "nightly",
        { paused: true, nextFireAt: null },
        { now },
      );
      await sleep(300);
      // (On SQLite the file watch reports any write as possible runs and jobs: only "due" counts.)
      expect(seen).not.toContain("due");
      await stack.persistence.updateSchedule("nightly", { paused: false }, { now });
      await until(() => seen.includes("due"));
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
