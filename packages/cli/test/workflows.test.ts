/** `--workflows`: loading a user's module of workflows, and rejecting one that is not. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/errors.js";
import { loadWorkflowModule, resolveWorkflows, stageIdsOf } from "../src/runtime/workflows.js";

// Inside the package, so the module resolves @ratchet/kernel and zod from node_modules.
const dir = join(import.meta.dirname, "..", ".tmp", `workflows-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKFLOW_SOURCE = `
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";
const hello = defineStage({
  id: "hello", name: "Hello",
  schemas: { input: z.object({ name: z.string() }), output: z.object({ greeting: z.string() }) },
  execute: (ctx) => ({ greeting: "Hello, " + ctx.input.name }),
});
const wf = defineWorkflow({ id: "greet", name: "Greet", input: z.object({ name: z.string() }), output: z.object({ greeting: z.string() }) }).pipe(hello).build();
`;

function module(name: string, source: string): string {
  writeFileSync(join(dir, name), source);
  return name;
}

describe("workflows", () => {
  it("uses the built-in document-pipeline by default", async () => {
    const workflows = await resolveWorkflows(undefined, dir);
    expect(workflows.map((w) => w.id)).toEqual(["document-pipeline"]);
    expect(stageIdsOf(workflows[0])).toEqual([
      "fetch",
      "extract-text",
      "extract-metadata",
      "thumbnail",
      "embed",
      "publish",
    ]);
  });

  it("loads `export const workflows = [...]` and `export default [...]`", async () => {
    const named = module("named.mjs", `${WORKFLOW_SOURCE}\nexport const workflows = [wf];`);
    const byDefault = module("default.mjs", `${WORKFLOW_SOURCE}\nexport default [wf];`);
    expect((await loadWorkflowModule(named, dir)).map((w) => w.id)).toEqual(["greet"]);
    expect((await loadWorkflowModule(`./${byDefault}`, dir)).map((w) => w.id)).toEqual(["greet"]);
  });

  it("rejects a missing file, a module that fails to load, and one without workflows", async () => {
    await expect(loadWorkflowModule("nope.mjs", dir)).rejects.toThrow(/no such file/);
    const broken = module("broken.mjs", "throw new Error('kaput');");
    await expect(loadWorkflowModule(broken, dir)).rejects.toThrow(/cannot load broken\.mjs: kaput/);
    const empty = module("empty.mjs", "export const workflows = [{ id: 'x' }];");
    const error = await loadWorkflowModule(empty, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      "--workflows: empty.mjs exports no workflows (its exports: workflows)",
    );
    expect((error as UsageError).hint).toContain("export `workflows`");
  });

  it("says which file is missing, resolved against the working directory", async () => {
    const error = await loadWorkflowModule("./dist/nope.js", dir).catch((e: unknown) => e);
    expect((error as UsageError).message).toBe(
      `--workflows: no such file ${join(dir, "dist", "nope.js")} (./dist/nope.js from ${dir})`,
    );
  });
});
