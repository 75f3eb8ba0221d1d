/**
 * Cron schedules fire each slot exactly once across hosts, on the real PostgreSQL server: a
 * schedule that fires every second, three worker processes ticking it for 10 s (30 s with
 * `RATCHET_LONG=1`, or RATCHET_SCHEDULE_SECONDS). Every slot
 * from the first to the last must have started exactly one run — none twice (the claim's
 * `FOR UPDATE SKIP LOCKED`, the compare-and-set and the slot's idempotency key), none missed
 * (`catchUp: "all"`: a slot a busy tick passed by is fired by the next) — and the slots must
 * keep up with the clock (the hosts wake at the next fire time, not at their regular tick).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createKernel, createRegistry, SCHEDULE_SLOT_METADATA } from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { migratedPostgresDatabase } from "./support/databases.js";
import { startWorker, type Worker } from "./support/processes.js";
import { scheduledWorkflow } from "./support/schedule-workload.js";

const WORKERS = 3;
// Every second is a slot that all three workers race to fire: 10 slots are 10 races each.
const SECONDS = Number(
  process.env.RATCHET_SCHEDULE_SECONDS ?? (process.env.RATCHET_LONG === "1" ? 30 : 10),
);

let db: TestDatabase | undefined;
let stack: PrismaStack | undefined;
const workers: Worker[] = [];

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  await stack?.close();
  await db?.drop();
});

describe("cron schedules on PostgreSQL, three worker processes", () => {
  it(
    `fires an every-second schedule's slots exactly once each for ${SECONDS} s`,
    async () => {
      db = await migratedPostgresDatabase("schedules");
      stack = await createPostgresStack({ url: db.url });
      const url = db.url;
      const kernel = createKernel({
        ...stack,
        eventSink: new CollectingEventSink(),
        registry: createRegistry([scheduledWorkflow]),
      });
      workers.push(
        ...(await Promise.all(
          Array.from({ length: WORKERS }, (_, i) =>
            startWorker(
              { RATCHET_DATABASE: url, RATCHET_WORKER_ID: `scheduler-${i}` },
              "schedule-worker-entry.ts",
            ),
          ),
        )),
      );
      const { nextFireAt } = await kernel.dispatch({
        type: "schedules.create",
        scheduleId: "every-second",
        workflowId: "scheduled-tick",
        cron: "* * * * * *",
        input: { tag: "tick" },
        overlap: "allow",
        catchUp: "all",
      });
      await sleep(SECONDS * 1_000);
      await kernel.dispatch({ type: "schedules.pause", scheduleId: "every-second" });
      const pausedAt = stack.clock.now();
      for (const worker of workers) worker.child.kill("SIGTERM");
      const codes = await Promise.all(workers.map((worker) => worker.exited));
      for (const [i, code] of codes.entries())
        expect(code, `worker exited ${code}:\n${workers[i]?.output()}`).toBe(0);

      const rows = await stack.prisma.$queryRawUnsafe<{ slot: string; n: bigint }[]>(
        `SELECT metadata::jsonb ->> '${SCHEDULE_SLOT_METADATA}' AS slot, COUNT(*) AS n
       FROM ratchet_runs GROUP BY 1 ORDER BY 1`,
      );
      const twice = rows.filter((row) => Number(row.n) !== 1);
      expect(twice, "slots that started more than one run").toEqual([]);
      const slots = rows.map((row) => Date.parse(row.slot));
      const first = (nextFireAt as Date).getTime();
      expect(slots[0]).toBe(first);
      const last = slots[slots.length - 1] as number;
      // Every second from the first slot to the last fired one, none missing.
      expect(slots).toEqual(
        Array.from({ length: (last - first) / 1_000 + 1 }, (_, i) => first + i * 1_000),
      );
      expect(slots.length).toBeGreaterThanOrEqual(SECONDS - 2);
      // Kept up with the clock: the last slot fired is at most 2 s before the pause.
      expect(pausedAt.getTime() - last).toBeLessThan(2_000);
    },
    (SECONDS + 90) * 1_000,
  );
});
