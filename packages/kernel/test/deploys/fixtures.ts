/**
 * Versions of one "order" workflow for the deploy tests: v1 (reserve → charge → ship), v2 with a
 * stage renamed and one inserted (reserve → fraud → bill → ship), and an edit of v1 that kept
 * its version (ship's output gained a field).
 */
import { z } from "zod";
import { type AnyWorkflow, defineStage, defineWorkflow, type MigrateRun } from "../../src/index.js";
import {
  createInMemoryStack,
  createTestKernel,
  FakeClock,
  type TestKernel,
} from "../../src/testing/index.js";

const Order = z.object({ orderId: z.string(), amount: z.number() });
const Reserved = z.object({ orderId: z.string(), amount: z.number(), reserved: z.literal(true) });
const Charged = z.object({ orderId: z.string(), charged: z.number() });

const reserve = defineStage({
  id: "reserve",
  name: "Reserve",
  schemas: { input: Order, output: Reserved },
  execute: (ctx) => ({ ...ctx.input, reserved: true as const }),
});
const charge = (id: string) =>
  defineStage({
    id,
    name: "Charge",
    schemas: { input: Reserved, output: Charged },
    execute: (ctx) => ({ orderId: ctx.input.orderId, charged: ctx.input.amount }),
  });
const fraud = defineStage({
  id: "fraud",
  name: "Fraud check",
  schemas: { input: Reserved, output: Reserved },
  execute: (ctx) => ctx.input,
});
const ship = (tag: string, withCarrier = false) =>
  defineStage({
    id: "ship",
    name: "Ship",
    schemas: {
      input: Charged,
      output: withCarrier
        ? z.object({ shipped: z.string(), by: z.string(), carrier: z.string() })
        : z.object({ shipped: z.string(), by: z.string() }),
    },
    execute: (ctx) => ({ shipped: ctx.input.orderId, by: tag, carrier: "post" }),
  });

/** reserve → charge → ship, version 1. */
export function orderV1(): AnyWorkflow {
  return defineWorkflow({ id: "order", name: "Order", input: Order, output: z.any() })
    .pipe(reserve)
    .pipe(charge("charge"))
    .pipe(ship("v1"))
    .build();
}

/** v1 edited without bumping its version: ship's output has a new field. */
export function orderV1Edited(): AnyWorkflow {
  return defineWorkflow({ id: "order", name: "Order", input: Order, output: z.any() })
    .pipe(reserve)
    .pipe(charge("charge"))
    .pipe(ship("v1-edited", true))
    .build();
}

/** reserve → fraud → bill (charge renamed) → ship, version 2, migrating v1 runs. */
export function orderV2(migrate?: MigrateRun): AnyWorkflow {
  return defineWorkflow({ id: "order", name: "Order", input: Order, output: z.any(), version: 2 })
    .pipe(reserve)
    .pipe(fraud)
    .pipe(charge("bill"))
    .pipe(ship("v2"))
    .migrateFrom(
      1,
      migrate ??
        ((run) => ({
          outputs: {
            ...(run.outputs.reserve !== undefined
              ? { reserve: run.outputs.reserve, fraud: run.outputs.reserve }
              : {}),
            ...(run.outputs.charge !== undefined ? { bill: run.outputs.charge } : {}),
          },
        })),
    )
    .build();
}

/** Dequeues one job of host `t`'s routes and executes it there; throws when none is due. */
export async function executeOneJob(t: TestKernel): Promise<void> {
  const [job] = await t.jobTransport.dequeue({
    workerId: "solo",
    limit: 1,
    leaseMs: 30_000,
    now: t.clock.now(),
    routes: t.kernel.routes,
  });
  if (!job) throw new Error("no job to execute");
  await t.kernel.dispatch({ type: "job.execute", workerId: "solo", job });
}

/** Two kernels ("hosts") with different registries over one in-memory store and clock. */
export function twoHosts(
  a: readonly AnyWorkflow[],
  b: readonly AnyWorkflow[],
): { a: TestKernel; b: TestKernel } {
  const stack = createInMemoryStack();
  const clock = new FakeClock();
  const shared = {
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    queries: stack.queries,
    clock,
  };
  return {
    a: createTestKernel({ ...shared, workflows: a, workerId: "host-a" }),
    b: createTestKernel({ ...shared, workflows: b, workerId: "host-b" }),
  };
}
