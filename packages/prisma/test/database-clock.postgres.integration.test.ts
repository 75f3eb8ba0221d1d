/**
 * Leases on the database's clock, on the real PostgreSQL server. A worker whose wall clock is a
 * minute wrong (ahead when it reaps, behind when it takes a lease) must not take a live lease
 * from a healthy worker: the PostgreSQL stack's clock is the server's (`DatabaseClock`), which
 * never reads the machine's wall clock. The same scenario with `clock: "system"` shows what the
 * database clock prevents: the skewed worker reaps the live lease.
 *
 * The wall clock is skewed with vitest's fake `Date` (only `Date`: timers and
 * `performance.now()` run for real), so it is skewed for the whole process, as it would be on
 * a machine whose clock is wrong.
 */
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DatabaseClock, serverTimeOf } from "../src/clock/database-clock.js";
import { createPostgresStack, type PrismaStack } from "../src/index.js";
import { useStack } from "./support/stacks.js";

const N = z.object({ n: z.number() });
const workflow = defineWorkflow({ id: "clock-skew", name: "Clock skew", input: N, output: N })
  .pipe(
    defineStage({
      id: "a",
      name: "a",
      schemas: { input: N, output: N },
      execute: (ctx) => ctx.input,
    }),
  )
  .build();
const registry = createRegistry([workflow]);
const discard = { emit: async () => {} };

const LEASE_MS = 10_000;
const GRACE_MS = 5_000;
const SKEW_MS = 60_000;

/** Runs `fn` with the process's wall clock (`Date`) `skewMs` off. */
async function withSkew<T>(skewMs: number, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(Date.now() + skewMs));
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

describe("leases on the database clock (postgresql)", () => {
  const harness = useStack("postgresql", "database_clock_postgresql");
  const opened: PrismaStack[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const stack of opened.splice(0)) await stack.close();
  });

  async function worker(
    clock: "database" | "system",
  ): Promise<{ kernel: Kernel; stack: PrismaStack }> {
    const stack = await createPostgresStack({ url: harness().location, migrate: false, clock });
    opened.push(stack);
    return { stack, kernel: createKernel({ ...stack, eventSink: discard, registry }) };
  }

  /** Creates a run and has `holder` lease its first job; returns the job's id. */
  async function leaseOne(holder: { kernel: Kernel; stack: PrismaStack }): Promise<string> {
    await holder.kernel.dispatch({ type: "run.create", workflowId: "clock-skew", input: { n: 1 } });
    await holder.kernel.dispatch({ type: "run.claimPending", workerId: "holder" });
    const [job] = await holder.stack.jobTransport.dequeue({
      workerId: "holder",
      limit: 1,
      leaseMs: LEASE_MS,
      now: (holder.kernel.clock ?? systemClock).now(),
      routes: holder.kernel.routes,
    });
    if (!job) throw new Error("no job leased");
    return job.jobId;
  }

  const reap = (reaper: Kernel) =>
    reaper.dispatch({ type: "lease.reapStale", staleThresholdMs: GRACE_MS });

  it("the stack's clock is the server's, within its sampling uncertainty", async () => {
    const h = harness();
    const { stack } = await worker("database");
    expect(stack.clock).toBeInstanceOf(DatabaseClock);
    const clock = stack.clock as DatabaseClock;
    const pool = new pg.Pool({ connectionString: h.location, max: 1 });
    const before = await serverTimeOf(pool);
    const ours = clock.now().getTime();
    const after = await serverTimeOf(pool);
    await pool.end();
    const slack = clock.uncertaintyMs + 5;
    expect(ours).toBeGreaterThanOrEqual(before - slack);
    expect(ours).toBeLessThanOrEqual(after + slack);
    // A wrong wall clock changes nothing: the database clock never reads it.
    await withSkew(SKEW_MS, async () => {
      const skewed = clock.now().getTime();
      expect(Math.abs(skewed - Date.now())).toBeGreaterThan(SKEW_MS / 2);
    });
    await h.truncate();
  });

  it("a reaper whose wall clock runs a minute ahead takes no live lease", async () => {
    const h = harness();
    await h.truncate();
    const holder = await worker("database");
    const jobId = await leaseOne(holder);
    const reaper = await worker("database");
    const result = await withSkew(SKEW_MS, () => reap(reaper.kernel));
    expect(result.released).toBe(0);
    expect((await holder.stack.jobTransport.getJob(jobId))?.lockedBy).toBe("holder");

    // The same reaper on its own (wrong) wall clock reaps the live lease.
    const wrong = await worker("system");
    const reaped = await withSkew(SKEW_MS, () => reap(wrong.kernel));
    expect(reaped.released).toBe(1);
  });

  it("a holder whose wall clock runs a minute behind takes a lease that lasts its full length", async () => {
    const h = harness();
    await h.truncate();
    const holder = await worker("database");
    const jobId = await withSkew(-SKEW_MS, () => leaseOne(holder));
    const reaper = await worker("database");
    expect((await reap(reaper.kernel)).released).toBe(0);
    expect((await holder.stack.jobTransport.getJob(jobId))?.lockedBy).toBe("holder");

    // On its own (wrong) wall clock, the holder's lease is over before it began.
    await h.truncate();
    const wrong = await worker("system");
    await withSkew(-SKEW_MS, () => leaseOne(wrong));
    expect((await reap(reaper.kernel)).released).toBe(1);
  });
});
