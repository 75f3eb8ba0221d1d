/**
 * What the corrupt-row tests share: a two-stage workflow, a test kernel on a stack's ports,
 * and the raw SQL that writes a corrupt value into one row, bypassing the adapters.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { createTestKernel, FakeClock, type TestKernel } from "@ratchet/kernel/testing";
import { expect } from "vitest";
import { z } from "zod";
import type { StackHarness } from "./stacks.js";

const T0 = new Date("2026-01-01T00:00:00Z");

const N = z.object({ n: z.number() });
const first = defineStage({
  id: "first",
  name: "First",
  schemas: { input: N, output: N },
  execute: (ctx) => ({ n: ctx.input.n + 1 }),
});
const second = defineStage({
  id: "second",
  name: "Second",
  schemas: { input: N, output: N },
  execute: (ctx) => ({ n: ctx.input.n * 10 }),
});
const workflow = defineWorkflow({ id: "two", name: "Two", input: N, output: N })
  .pipe(first)
  .pipe(second)
  .build();

/** Writes `value` into `table.column` of the row whose `key` column is `id`, bypassing the adapters. */
export async function corrupt(
  h: StackHarness,
  table: string,
  column: string,
  value: string | null,
  where: { key: string; id: string },
): Promise<void> {
  const p = (n: number) => (h.provider === "postgresql" ? `$${n}` : "?");
  const changed = await h.stack.prisma.$executeRawUnsafe(
    `UPDATE ${table} SET ${column} = ${p(1)} WHERE ${where.key} = ${p(2)}`,
    value,
    where.id,
  );
  expect(changed).toBe(1);
}

/** A test kernel running the workflow on `h`'s ports, with a fake clock. */
export function kernelOn(h: StackHarness): TestKernel {
  return createTestKernel({
    workflows: [workflow],
    persistence: h.stack.persistence,
    jobTransport: h.stack.jobTransport,
    scheduler: h.stack.scheduler,
    blobStore: h.stack.blobStore,
    queries: h.stack.queries,
    clock: new FakeClock(T0),
  });
}

/** Creates a run of the workflow with input `{ n }`; returns its id. */
export async function create(t: TestKernel, n: number): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({
    type: "run.create",
    workflowId: "two",
    input: { n },
  });
  return workflowRunId;
}
