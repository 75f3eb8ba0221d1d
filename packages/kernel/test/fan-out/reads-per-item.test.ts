/**
 * "Thousands of items must not mean thousands of rows read per completion": the rows a map
 * reads grow with its items, not with their square. Counted on the in-memory store (every row
 * a read returns), for a map of 250 and of 1,000 items.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createInMemoryStack } from "../../src/in-memory.js";
import { defineStage, defineWorkflow } from "../../src/index.js";
import type { Persistence } from "../../src/ports/persistence/index.js";
import { createTestKernel } from "../../src/testing/index.js";

const ROW_READS = new Set([
  "getRun",
  "listStages",
  "getStage",
  "listRuns",
  "getRunWithStages",
  "getStageOutputs",
  "findSignalWaits",
  "listSignalWaits",
  "getSignal",
]);

/** Counts the rows `persistence`'s reads return, in transactions too. */
function counting(persistence: Persistence): { persistence: Persistence; rows: () => number } {
  let rows = 0;
  const count = (value: unknown) => {
    if (Array.isArray(value)) rows += value.length;
    else if (value instanceof Map) rows += value.size;
    else if (value && typeof value === "object" && "stages" in value)
      rows += 1 + (value as { stages: unknown[] }).stages.length;
    else if (value) rows += 1;
  };
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "withTransaction")
          return (fn: (tx: Persistence) => Promise<unknown>) =>
            (value as Persistence["withTransaction"]).call(obj, (tx) => fn(wrap(tx)));
        if (!ROW_READS.has(String(prop))) return value.bind(obj);
        return async (...args: unknown[]) => {
          const result = await value.apply(obj, args);
          count(result);
          return result;
        };
      },
    });
  return { persistence: wrap(persistence), rows: () => rows };
}

const double = defineStage({
  id: "double",
  name: "double",
  schemas: { input: z.number(), output: z.number() },
  execute: (ctx) => ctx.input * 2,
});

const fanOut = defineWorkflow({ id: "fan", name: "fan", input: z.number(), output: z.any() })
  .map("all", double, {
    items: ({ input }) => Array.from({ length: input as number }, (_, i) => i),
    concurrency: 10,
  })
  .build();

async function rowsFor(items: number): Promise<number> {
  const stack = createInMemoryStack();
  const counted = counting(stack.persistence);
  const t = createTestKernel({
    workflows: [fanOut],
    ...stack,
    persistence: counted.persistence,
    queries: stack.queries,
  });
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: fanOut.id,
    input: items,
  });
  const run = await t.driver.runToCompletion(workflowRunId, { maxTicks: 100_000 });
  expect(run.status).toBe("COMPLETED");
  expect((run.output as number[]).length).toBe(items);
  return counted.rows();
}

describe("map: rows read", () => {
  it("grow linearly with the items (per completion: a constant, not the other items)", async () => {
    const small = await rowsFor(250);
    const large = await rowsFor(1_000);
    // Linear: 4× the items read about 4× the rows (quadratic would be 16×).
    expect(large / small).toBeLessThan(5);
    // And a bounded number per item: its own run's rows, the parent's few, the result read.
    expect(large / 1_000).toBeLessThan(40);
  }, 120_000);
});
