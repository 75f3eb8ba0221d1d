/** Control-flow definitions: what `build()` rejects, with which code and field. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage, defineWorkflow, WorkflowDefinitionError } from "../../src/index.js";

const any = z.any();
const stage = (id: string) =>
  defineStage({ id, name: id, schemas: { input: any, output: any }, execute: () => ({}) });
const base = (id: string) => defineWorkflow({ id, name: id, input: any, output: any });

function definitionError(build: () => unknown): WorkflowDefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error;
    throw error;
  }
  throw new Error("build() did not throw");
}

describe("control-flow definitions", () => {
  it("rejects a next that names no stage", () => {
    const error = definitionError(() =>
      base("bad-next").pipe(stage("a"), { next: "nowhere" }).pipe(stage("b")).build(),
    );
    expect(error).toMatchObject({ code: "UNKNOWN_NEXT_STAGE", stageId: "a", field: "next" });
  });

  it("rejects a choice branch or default that names no stage", () => {
    const error = definitionError(() =>
      base("bad-choice")
        .pipe(stage("a"))
        .choice("pick", { choices: [{ condition: () => true, next: "b" }], default: "zzz" })
        .pipe(stage("b"))
        .build(),
    );
    expect(error).toMatchObject({ code: "UNKNOWN_ROUTE_TARGET", stageId: "pick" });
  });

  it("rejects a step no path reaches", () => {
    const error = definitionError(() =>
      base("unreachable").pipe(stage("a"), { end: true }).pipe(stage("orphan")).build(),
    );
    expect(error).toMatchObject({ code: "UNREACHABLE_STAGE", stageId: "orphan" });
  });

  it("rejects malformed steps with INVALID_STEP naming the field", () => {
    expect(definitionError(() => base("w1").choice("c", { choices: [] }).build())).toMatchObject({
      code: "INVALID_STEP",
      field: "choices",
    });
    expect(
      definitionError(() =>
        base("w2")
          .pipe(stage("a"))
          .loop("l", { condition: () => true, target: "l" })
          .build(),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "target" });
    expect(
      definitionError(() =>
        base("w3")
          .pipe(stage("a"))
          .loop("l", { condition: () => true, target: "a", maxIterations: 0 })
          .build(),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "maxIterations" });
    expect(
      definitionError(() =>
        base("w4")
          .pipe(stage("a"))
          .loop("l", { condition: "yes" as never, target: "a" })
          .build(),
      ),
    ).toMatchObject({ code: "INVALID_STEP", field: "condition" });
  });

  it("rejects a non-positive timeout and a malformed concurrency limit", () => {
    expect(definitionError(() => base("t").pipe(stage("a")).timeout(0).build())).toMatchObject({
      code: "INVALID_TIMEOUT",
      field: "timeout",
    });
    expect(
      definitionError(() => base("c").pipe(stage("a")).concurrency({ limit: 0 }).build()),
    ).toMatchObject({ code: "INVALID_CONCURRENCY", field: "concurrency" });
  });

  it("checks schemas along every edge, jumps included", () => {
    const needsText = defineStage({
      id: "needs-text",
      name: "Needs text",
      schemas: { input: z.object({ text: z.string() }), output: any },
      execute: () => ({}),
    });
    const makesNumber = defineStage({
      id: "makes-number",
      name: "Makes number",
      schemas: { input: any, output: z.object({ text: z.number() }) },
      execute: () => ({ text: 1 }),
    });
    const error = definitionError(() =>
      base("edges")
        .choice("fork", {
          choices: [{ condition: () => true, next: "makes-number" }],
          default: "skipped",
        })
        .pipe(stage("skipped"), { next: "needs-text" })
        .pipe(makesNumber, { next: "needs-text" })
        .pipe(needsText as never)
        .build(),
    );
    expect(error).toMatchObject({ code: "INCOMPATIBLE_SCHEMAS", stageId: "needs-text" });
  });
});
