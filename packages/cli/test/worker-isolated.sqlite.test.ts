/**
 * `ratchet worker --workflows <module>` runs isolated stages: the task of an `.isolated()`
 * workflow runs in a child process that imports the module the worker loaded (no
 * `isolation.module` needed), and its output is committed as usual.
 */
import { join } from "node:path";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, runCli, startCli } from "./support/cli.js";

const MODULE = join(import.meta.dirname, "fixtures", "isolated.mjs");

describe("ratchet worker with isolated stages (child process, SQLite)", () => {
  const db = createSqliteFile("cli-worker-isolated");
  const cwd = import.meta.dirname;
  afterAll(() => db.cleanup());

  it("runs an .isolated() task in a child process of the worker", async () => {
    const worker = await startCli(
      ["worker", "--worker-id", "w-iso", "--workflows", MODULE, "--database-url", db.url],
      { cwd, ready: "worker w-iso started" },
    );
    try {
      const created = await runCli(
        [
          "run",
          "isolated-pid",
          "--input",
          "{}",
          "--quiet",
          "--workflows",
          MODULE,
          "--database-url",
          db.url,
        ],
        { cwd },
      );
      expect(created.code).toBe(0);
      const runId = created.stdout.trim();
      const shown = await eventually(async () => {
        const status = await runCli(
          ["status", runId, "--json", "--workflows", MODULE, "--database-url", db.url],
          { cwd },
        );
        const parsed = JSON.parse(status.stdout);
        return parsed.run.status === "COMPLETED" ? parsed : undefined;
      }, `run ${runId} to complete`);
      const pid = shown.run.output.pid as number;
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(worker.child.pid);
    } finally {
      worker.child.kill("SIGTERM");
    }
    expect(await worker.exited).toBe(0);
  });
});
