import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineStage,
  defineWorkflow,
  WorkflowBuilder,
  WorkflowDefinitionError,
} from "../../src/index.js";
import { increment, textWorkflow } from "../fixtures.js";

const toText = defineStage({
  id: "to-text",
  name: "To text",
  schemas: { input: z.object({ n: z.number() }), output: z.object({ text: z.string() }) },
  execute: (ctx) => ({ text: String(ctx.input.n) }),
});

describe("WorkflowBuilder", () => {
  it("builds groups in order with parallel groups kept together", () => {
    expect(textWorkflow.groups.map((g) => g.map((s) => s.id))).toEqual([
      ["split"],
      ["count", "longest"],
      ["summary"],
    ]);
    expect(textWorkflow.getStage("longest")?.groupIndex).toBe(1);
  });

  it("works with the class form as well as defineWorkflow", () => {
    const wf = new WorkflowBuilder(
      "cls",
      "Class",
      "made with new",
      z.object({ n: z.number() }),
      z.object({ n: z.number() }),
    )
      .pipe(increment("one"))
      .build();
    expect(wf).toMatchObject({ id: "cls", name: "Class", description: "made with new" });
  });

  it("rejects duplicate stage ids with DUPLICATE_STAGE_ID", () => {
    const build = () =>
      defineWorkflow({
        id: "dup",
        name: "Dup",
        input: z.object({ n: z.number() }),
        output: z.object({ n: z.number() }),
      })
        .pipe(increment("a"))
        .pipe(increment("a"))
        .build();
    expect(build).toThrow(WorkflowDefinitionError);
    try {
      build();
    } catch (error) {
      expect(error).toMatchObject({ code: "DUPLICATE_STAGE_ID", stageId: "a", workflowId: "dup" });
    }
  });

  it("rejects adjacent stages whose schemas do not fit, at compile time and in build()", () => {
    const wf = defineWorkflow({
      id: "bad",
      name: "Bad",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
    }).pipe(toText);
    const error = (() => {
      try {
        // @ts-expect-error: "to-text" outputs { text }, "after" needs { n } (this line must not compile)
        wf.pipe(increment("after")).build();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WorkflowDefinitionError);
    expect(error).toMatchObject({ code: "INCOMPATIBLE_SCHEMAS", stageId: "after", field: "n" });
  });

  it("checks the workflow input against the first stage and the last output against the workflow output", () => {
    expect(() =>
      defineWorkflow({
        id: "in",
        name: "In",
        input: z.object({ m: z.number() }),
        output: z.object({ n: z.number() }),
      })
        .pipe(increment("a") as never)
        .build(),
    ).toThrow(/workflow input does not fit stage "a" input/);
    expect(() =>
      defineWorkflow({
        id: "out",
        name: "Out",
        input: z.object({ n: z.number() }),
        output: z.object({ text: z.number() }),
      })
        .pipe(toText)
        .build(),
    ).toThrow(expect.objectContaining({ code: "INCOMPATIBLE_SCHEMAS", field: "text" }));
  });

  it("accepts optional fields and defaults the previous stage does not produce", () => {
    const lenient = defineStage({
      id: "lenient",
      name: "Lenient",
      schemas: {
        input: z.object({
          n: z.number(),
          label: z.string().optional(),
          size: z.number().default(1),
        }),
        output: z.object({ n: z.number() }),
      },
      execute: (ctx) => ({ n: ctx.input.n + ctx.input.size }),
    });
    const wf = defineWorkflow({
      id: "ok",
      name: "Ok",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
    })
      .pipe(increment("a"))
      .pipe(lenient)
      .build();
    expect(wf.groups).toHaveLength(2);
  });

  it("rejects empty workflows, empty parallel groups and invalid ids", () => {
    const base = () =>
      defineWorkflow({
        id: "e",
        name: "E",
        input: z.object({ n: z.number() }),
        output: z.object({ n: z.number() }),
      });
    expect(() => base().build()).toThrow(expect.objectContaining({ code: "EMPTY_WORKFLOW" }));
    expect(() => base().parallel([]).build()).toThrow(
      expect.objectContaining({ code: "EMPTY_PARALLEL_GROUP" }),
    );
    expect(() => increment("has space")).toThrow(
      expect.objectContaining({ code: "INVALID_STAGE_ID", field: "id" }),
    );
  });
});
