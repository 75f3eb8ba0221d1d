/**
 * `--workflows` loads a module from the user's project, outside the repository: its path
 * resolves against the working directory, its imports (`@ratchet/kernel`, `zod`) from the
 * project's own node_modules. Each case runs the bundled CLI as a child process (plain Node,
 * as a user runs it) in a project under the system's temporary folder; a module whose imports
 * cannot be resolved, a TypeScript file or a module without workflows is a usage error (exit 2)
 * that says what to do.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

const KERNEL_DIR = join(import.meta.dirname, "..", "..", "kernel");
/** zod's package folder, as the repository installed it. */
const ZOD_DIR = dirname(
  createRequire(join(KERNEL_DIR, "package.json")).resolve("zod/package.json"),
);

const WORKFLOWS = `
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";
const greet = defineStage({
  id: "greet", name: "Greet",
  schemas: { input: z.object({ name: z.string() }), output: z.object({ greeting: z.string() }) },
  execute: (ctx) => ({ greeting: "Hello, " + ctx.input.name }),
});
export const workflows = [
  defineWorkflow({ id: "greet", name: "Greet", input: z.object({ name: z.string() }), output: z.object({ greeting: z.string() }) })
    .pipe(greet)
    .build(),
];
`;

let project: string;
let bare: string;

beforeAll(() => {
  // A project with @ratchet/kernel and zod in its node_modules (linked to the repository's).
  project = realpathSync(mkdtempSync(join(tmpdir(), "ratchet-user-project-")));
  mkdirSync(join(project, "node_modules", "@ratchet"), { recursive: true });
  symlinkSync(KERNEL_DIR, join(project, "node_modules", "@ratchet", "kernel"), "dir");
  symlinkSync(ZOD_DIR, join(project, "node_modules", "zod"), "dir");
  writeFileSync(join(project, "package.json"), '{ "type": "module" }\n');
  mkdirSync(join(project, "dist"));
  writeFileSync(join(project, "dist", "workflows.js"), WORKFLOWS);
  // A folder with nothing installed.
  bare = realpathSync(mkdtempSync(join(tmpdir(), "ratchet-bare-project-")));
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
});

describe("--workflows from a project outside the repository", () => {
  it("runs a workflow of ./dist/workflows.js, on an SQLite file in the project", async () => {
    const result = await runCli(
      [
        "run",
        "greet",
        "--input",
        '{"name":"Ada"}',
        "--wait",
        "--json",
        "--workflows",
        "./dist/workflows.js",
        "--database-url",
        "./app.db",
      ],
      { cwd: project },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const { run } = JSON.parse(result.stdout) as { run: { status: string; output: unknown } };
    expect(run).toMatchObject({ status: "COMPLETED", output: { greeting: "Hello, Ada" } });
  });

  it("names a package the module imports that is not installed there, and says to install it", async () => {
    writeFileSync(join(bare, "workflows.mjs"), WORKFLOWS);
    const result = await runCli(["worker", "--workflows", "workflows.mjs"], { cwd: bare });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error [USAGE]: --workflows: workflows.mjs cannot be loaded: ${join(bare, "workflows.mjs")} imports '@ratchet/kernel', which is not installed in ${bare} or any folder above it`,
    );
    expect(result.stderr).toContain("npm install @ratchet/kernel");
  });

  it("names a relative import that does not exist", async () => {
    writeFileSync(join(bare, "reexport.mjs"), 'export { workflows } from "./lib/stages.js";\n');
    const result = await runCli(["worker", "--workflows", "./reexport.mjs"], { cwd: bare });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--workflows: ./reexport.mjs cannot be loaded: ${join(bare, "reexport.mjs")} imports ${join(bare, "lib", "stages.js")}, which does not exist`,
    );
  });

  it("says a TypeScript file must be compiled first", async () => {
    writeFileSync(join(bare, "workflows.ts"), "export const workflows: unknown[] = [];\n");
    const result = await runCli(["worker", "--workflows", "workflows.ts"], { cwd: bare });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--workflows: workflows.ts is TypeScript, which Node does not load as it is",
    );
    expect(result.stderr).toContain("npx tsc");
  });

  it("says what a module without workflows exports, and a missing file's full path", async () => {
    writeFileSync(join(bare, "helpers.mjs"), "export const add = (a, b) => a + b;\n");
    const noWorkflows = await runCli(["worker", "--workflows", "helpers.mjs"], { cwd: bare });
    expect(noWorkflows.code).toBe(2);
    expect(noWorkflows.stderr).toContain(
      "--workflows: helpers.mjs exports no workflows (its exports: add)",
    );
    const missing = await runCli(["worker", "--workflows", "./dist/workflows.js"], { cwd: bare });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `--workflows: no such file ${join(bare, "dist", "workflows.js")} (./dist/workflows.js from ${bare})`,
    );
  });
});
