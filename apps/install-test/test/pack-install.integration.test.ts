/**
 * What a new user does, end to end, with the packed packages (docs/getting-started.md walks
 * through the same): pack @ratchet/cli and the @ratchet packages it needs, install the
 * tarballs with zod and TypeScript into a fresh project under the system's temporary folder,
 * type-check and compile the user's workflows against the packed .d.ts, then start
 * `npx ratchet worker` and run the workflow with `npx ratchet run … --wait` and
 * `npx ratchet run` + `status --follow` on an SQLite file in the project and on a PostgreSQL
 * database created for this test (it fails, never skips, when PostgreSQL is down). The
 * workflow and tsconfig.json are the guide's own code blocks, so the guide cannot drift from it.
 */
import { existsSync, lstatSync, readFileSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOk, start } from "./support/commands.js";
import { createUserProject, type UserProject } from "./support/project.js";
import { closure, publishablePackages, REPO_ROOT } from "./support/workspace.js";

/** What a user installs: the CLI (its @ratchet dependencies come along) and the kernel. */
const INSTALLED = ["@ratchet/cli", "@ratchet/kernel"];
const WORKFLOWS = "./dist/workflows.js";

let project: UserProject;
const timings: Record<string, number> = {};

async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[step] = Date.now() - started;
  }
}

beforeAll(async () => {
  const packages = closure(INSTALLED, publishablePackages());
  console.log(
    `[install-test] packing and installing ${packages.map((p) => p.json.name).join(", ")}`,
  );
  project = await timed("pack + npm install", () => createUserProject(packages));
});

afterAll(() => {
  project?.remove();
  console.log(
    `[install-test] timings: ${Object.entries(timings)
      .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
      .join(", ")}`,
  );
});

/** `npx ratchet <args>` in the project, to completion; its stdout. */
async function ratchet(...args: string[]): Promise<string> {
  const result = await runOk("npx", ["ratchet", ...args], {
    cwd: project.dir,
    timeoutMs: 60_000,
    quiet: args.includes("--json"),
  });
  return result.stdout;
}

/**
 * With a worker running: `run --wait` (this process executes it, alongside the worker), then a
 * run created without --wait (only the worker can execute it) followed with `status --follow`.
 */
async function runOnDatabase(databaseUrl: string): Promise<void> {
  const db = ["--database-url", databaseUrl];
  // The bin `npx ratchet` runs, started directly so that the test sees the worker's own exit
  // code after SIGTERM (npx itself dies of the signal, whatever its child does).
  const worker = await start(
    join(project.dir, "node_modules", ".bin", "ratchet"),
    ["worker", "--workflows", WORKFLOWS, "--worker-id", "install-test-worker", ...db],
    { cwd: project.dir, ready: "started: sum-squared", timeoutMs: 60_000 },
  );
  try {
    const waited = JSON.parse(
      await ratchet(
        "run",
        "sum-squared",
        "--input",
        '{"a":2,"b":3}',
        "--wait",
        "--json",
        "--workflows",
        WORKFLOWS,
        ...db,
      ),
    ) as {
      run: { status: string; output: unknown };
      stages: { stageId: string; status: string }[];
    };
    console.log(
      `[install-test] run --wait: ${waited.run.status}, output ${JSON.stringify(waited.run.output)}`,
    );
    expect(waited.run).toMatchObject({ status: "COMPLETED", output: { result: 25 } });
    expect(waited.stages.map((s) => [s.stageId, s.status])).toEqual([
      ["add", "COMPLETED"],
      ["square", "COMPLETED"],
    ]);

    const created = JSON.parse(
      await ratchet(
        "run",
        "sum-squared",
        "--input",
        '{"a":4,"b":-1}',
        "--json",
        "--workflows",
        WORKFLOWS,
        ...db,
      ),
    ) as { workflowRunId: string; status: string };
    expect(created.status).toBe("PENDING");
    const followed = JSON.parse(
      await ratchet(
        "status",
        created.workflowRunId,
        "--follow",
        "--interval",
        "100",
        "--json",
        "--workflows",
        WORKFLOWS,
        ...db,
      ),
    ) as { run: { id: string; status: string; output: unknown } };
    console.log(
      `[install-test] status --follow: ${followed.run.status}, output ${JSON.stringify(followed.run.output)}`,
    );
    expect(followed.run).toMatchObject({
      id: created.workflowRunId,
      status: "COMPLETED",
      output: { result: 9 },
    });
    // The worker executed it: its progress names the run.
    await expect
      .poll(() => worker.output(), { timeout: 10_000 })
      .toContain(created.workflowRunId.slice(-8));
  } finally {
    const code = await worker.stop("SIGTERM");
    expect(code, worker.output()).toBe(0);
    expect(worker.output()).toContain("worker install-test-worker stopped");
  }
}

describe("the packed packages, installed in a fresh project", () => {
  it("installs from the tarballs, not from the repository", () => {
    for (const name of [...project.tarballs.keys()]) {
      const dir = join(project.dir, "node_modules", ...name.split("/"));
      expect(lstatSync(dir).isSymbolicLink(), `${name} is a link`).toBe(false);
      expect(relative(REPO_ROOT, realpathSync(dir)).startsWith(".."), name).toBe(true);
    }
    expect(existsSync(join(project.dir, "node_modules", ".bin", "ratchet"))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(project.dir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(INSTALLED));
  });

  it("type-checks the user's code against the packed .d.ts, then compiles it", async () => {
    await timed("tsc --noEmit", () =>
      runOk("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"], {
        cwd: project.dir,
        timeoutMs: 120_000,
      }),
    );
    await timed("tsc", () =>
      runOk("npx", ["tsc", "-p", "tsconfig.json"], { cwd: project.dir, timeoutMs: 120_000 }),
    );
    expect(existsSync(join(project.dir, "dist", "workflows.js"))).toBe(true);
    expect((await ratchet("--version")).trim()).toBe(
      (
        JSON.parse(readFileSync(join(REPO_ROOT, "packages", "cli", "package.json"), "utf8")) as {
          version: string;
        }
      ).version,
    );
  });

  it("runs the workflow with npx ratchet worker and run --wait on an SQLite file in the project", async () => {
    await timed("SQLite runs", () => runOnDatabase("./ratchet.db"));
    expect(existsSync(join(project.dir, "ratchet.db"))).toBe(true);
  });

  describe("on PostgreSQL", () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createPostgresDatabase("install");
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("runs the workflow with npx ratchet worker and run --wait on a PostgreSQL database", async () => {
      await timed("PostgreSQL runs", () => runOnDatabase(database.url));
    });
  });
});
