/**
 * `ratchet worker` as a real child process on a temporary SQLite file: it executes a run
 * created by another `ratchet run` process, and stops gracefully on SIGTERM (exit 0).
 */
import { tmpdir } from "node:os";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, runCli, startCli } from "./support/cli.js";

describe("ratchet worker (child process, SQLite)", () => {
  const db = createSqliteFile("cli-worker");
  const cwd = tmpdir();
  afterAll(() => db.cleanup());

  it("completes a run created by `ratchet run`, then stops on SIGTERM with exit 0", async () => {
    const worker = await startCli(
      ["worker", "--concurrency", "4", "--worker-id", "w-test", "--database-url", db.url],
      { cwd, ready: "worker w-test started" },
    );
    try {
      expect(worker.output()).toContain("document-pipeline; concurrency 4; SQLite");
      const created = await runCli(
        [
          "run",
          "document-pipeline",
          "--input",
          '{"url":"https://library.example.org/articles/transactional-outbox"}',
          "--quiet",
          "--database-url",
          db.url,
        ],
        { cwd },
      );
      expect(created.code).toBe(0);
      const runId = created.stdout.trim();

      const run = await eventually(async () => {
        const status = await runCli(["status", runId, "--json", "--database-url", db.url], { cwd });
        const shown = JSON.parse(status.stdout);
        return shown.run.status === "COMPLETED" ? shown : undefined;
      }, `run ${runId} to complete`);
      expect(run.run.output).toMatchObject({ slug: "transactional-outbox" });
      expect(run.stages.find((s: { stageId: string }) => s.stageId === "fetch").attempt).toBe(2);

      await eventually(
        async () => (worker.output().includes("✓ run completed") ? true : undefined),
        "the worker to report the run",
      );
      expect(worker.output()).toContain(`run ${runId} started (document-pipeline)`);
      expect(worker.output()).toMatch(/fetch\s+↻ attempt 1 failed: \[STAGE_ERROR\] .*503/);
    } finally {
      worker.child.kill("SIGTERM");
    }
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain("received SIGTERM: stopping");
    expect(worker.output()).toContain("worker w-test stopped");
  });
});
