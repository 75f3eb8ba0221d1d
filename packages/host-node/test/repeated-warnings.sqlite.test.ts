/**
 * A Node host on a real SQLite file whose disk fills up: for three seconds every port call
 * fails with SQLITE_FULL while the host ticks every 20 ms and polls every 10–20 ms, with a
 * stage running (so its heartbeats fail too). Every duty, the dequeue and the heartbeat keep
 * failing, and the host must log each of them at most once per `repeatedWarningIntervalMs`
 * (500 ms here) with the count of repeats, then once when it works again — and the run still
 * completes. Without the limiter the same outage logs several hundred warnings.
 */
import { createKernel, createRegistry, defineStage, defineWorkflow } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createSqliteStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createNodeHost } from "../src/index.js";
import { portsOnFullDisk } from "./support/full-disk.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const INTERVAL_MS = 500;
const OUTAGE_MS = 3_000;

async function until(
  check: () => Promise<boolean> | boolean,
  ms = 15_000,
  what = () => "",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out ${what()}`);
    await sleep(10);
  }
}

describe("Node host on a full SQLite disk", () => {
  it("logs each failing duty, dequeue and heartbeat once per interval with a count, and its recovery once", async () => {
    const db = createSqliteFile("full-disk");
    const stack = await createSqliteStack({ file: db.file });
    let full = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const workflow = defineWorkflow({
      id: "held",
      name: "Held",
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
    })
      .pipe(
        defineStage({
          id: "hold",
          name: "hold",
          schemas: { input: z.object({}), output: z.object({ ok: z.boolean() }) },
          execute: async () => {
            started = true;
            await held;
            return { ok: true };
          },
        }),
      )
      .build();
    const ports = portsOnFullDisk(stack, () => full);
    const kernel = createKernel({
      ...stack,
      ...ports,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([workflow]),
    });
    const lines: { at: number; message: string }[] = [];
    const host = createNodeHost({
      kernel,
      jobTransport: ports.jobTransport,
      wakeups: stack.wakeups,
      orchestrationIntervalMs: 20,
      jobPollIntervalMs: 10,
      maxIdlePollIntervalMs: 20,
      // Heartbeats every 300 ms; the lease runs out during the outage, but the reaper fails too.
      leaseMs: 900,
      staleLeaseThresholdMs: 0,
      repeatedWarningIntervalMs: INTERVAL_MS,
      logger: {
        warn: (message) => lines.push({ at: performance.now(), message }),
        error: (message) => lines.push({ at: performance.now(), message }),
      },
    });
    try {
      await host.start();
      const { workflowRunId } = await kernel.dispatch({
        type: "run.create",
        workflowId: "held",
        input: {},
      });
      host.wake();
      await until(() => started);
      expect(lines).toEqual([]);

      full = true;
      const began = performance.now();
      await sleep(OUTAGE_MS);
      full = false;
      const outageMs = performance.now() - began;
      const during = lines.map((line) => line.message);
      // What each line is about, as the host counts it: the claim on a wake-up and the publish
      // after finished jobs are the claim and outbox duties.
      const keyOf = (message: string) =>
        /maintenance duty \w+|dequeue|heartbeat/.exec(message)?.[0] ??
        (message.includes("claiming pending runs") ? "maintenance duty claim" : undefined) ??
        (message.includes("publishing events") ? "maintenance duty outbox" : undefined);
      const perKey = new Map<string, number>();
      for (const message of during) {
        const key = keyOf(message) ?? message;
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      for (const key of [
        "maintenance duty claim",
        "maintenance duty reapStale",
        "maintenance duty outbox",
        "dequeue",
        "heartbeat",
      ])
        expect(perKey.get(key), `${key} failed and was logged`).toBeGreaterThan(0);
      // The limiter's bound: the first line, then one per interval.
      const bound = Math.floor(outageMs / INTERVAL_MS) + 1;
      for (const [key, count] of perKey)
        expect(count, `lines for ${key}: ${during.join("\n")}`).toBeLessThanOrEqual(bound);
      expect(during.some((m) => /\(repeated \d+ times in the last \d+\.\d s\)/.test(m))).toBe(true);

      // Back: each key that failed says once that it works again, with its failure count.
      const recovered = (key: string) =>
        lines.some((line) => line.message.includes(`${key} works again after`));
      await until(
        () => [...perKey.keys()].every(recovered),
        15_000,
        () => `not recovered: ${[...perKey.keys()].filter((key) => !recovered(key))}`,
      );
      const recoveries = lines.filter((line) => line.message.includes("works again after"));
      expect(recoveries).toHaveLength(perKey.size);
      const failures = recoveries.reduce(
        (sum, line) => sum + Number(/after (\d+) failures?/.exec(line.message)?.[1] ?? 0),
        0,
      );
      // Most failures were counted, not logged.
      expect(failures).toBeGreaterThan(3 * during.length);
      console.log(
        `[full disk] ${Math.round(outageMs)} ms outage: ${failures} failures, ${during.length} warnings logged, ${recoveries.length} recoveries`,
      );

      release();
      await until(
        async () => (await stack.persistence.getRun(workflowRunId))?.status === "COMPLETED",
      );
    } finally {
      release();
      await host.stop();
      await stack.close();
      db.cleanup();
    }
  }, 60_000);
});
