/** What the schedule tests share: a test kernel with a workflow, and the runs schedules started. */
import { z } from "zod";
import { defineStage, defineWorkflow, type RunRecord } from "../../src/index.js";
import { createTestKernel, type TestKernel } from "../../src/testing/index.js";

/** A one-stage workflow that takes `{ n: number }`. */
export const reportWorkflow = defineWorkflow({
  id: "report",
  name: "Report",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(
    defineStage({
      id: "build",
      name: "Build",
      schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
      execute: (ctx) => ({ n: ctx.input.n }),
    }),
  )
  .build();

/** A test kernel with {@link reportWorkflow}, its clock at `start`. */
export function scheduleKernel(start = "2026-01-01T00:00:00.000Z"): TestKernel {
  const t = createTestKernel({ workflows: [reportWorkflow] });
  t.clock.set(new Date(start));
  return t;
}

/** The runs started by schedule `id`, by slot. */
export async function scheduledRuns(t: Pick<TestKernel, "persistence">, id: string) {
  const runs = await t.persistence.listRuns({ limit: 10_000 });
  return runs
    .filter((run) => run.metadata["ratchet.scheduleId"] === id)
    .map((run) => ({ slot: run.metadata["ratchet.scheduledFor"] as string, run }))
    .sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
}

/** The slots of the runs schedule `id` started, as ISO strings. */
export async function firedSlots(t: Pick<TestKernel, "persistence">, id: string) {
  return (await scheduledRuns(t, id)).map((r) => r.slot);
}

/** Ends a run (as if it completed). */
export async function finish(t: Pick<TestKernel, "persistence" | "clock">, run: RunRecord) {
  await t.persistence.updateRun(
    run.id,
    { status: "COMPLETED", completedAt: t.clock.now() },
    { now: t.clock.now() },
  );
}

/** One tick of the schedules. */
export function tick(t: Pick<TestKernel, "kernel">, workerId = "w") {
  return t.kernel.dispatch({ type: "schedules.fireDue", workerId });
}

/** `minutes` after 2026-01-01T00:00Z, as ISO. */
export function minute(minutes: number, base = "2026-01-01T00:00:00.000Z"): string {
  return new Date(Date.parse(base) + minutes * 60_000).toISOString();
}
