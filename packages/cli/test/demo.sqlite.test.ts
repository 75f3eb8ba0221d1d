/** `ratchet demo` as a real child process on a temporary SQLite file. */
import { tmpdir } from "node:os";
import { MIGRATIONS } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { expectCompleteDemo } from "./support/demo-output.js";

describe("ratchet demo (child process, SQLite)", () => {
  const db = createSqliteFile("cli-demo");
  afterAll(() => db.cleanup());

  it("runs every document through every stage, prints outputs and the summary, exits 0", async () => {
    const started = Date.now();
    const result = await runCli(["demo", "--database-url", db.url], { cwd: tmpdir() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expectCompleteDemo(result.stdout, 5);
    expect(result.stdout).toMatch(
      new RegExp(
        `^database {2}SQLite \\S+ratchet\\.db; ${MIGRATIONS.sqlite.length} migration\\(s\\) applied$`,
        "m",
      ),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("reports the summary as JSON with --json", async () => {
    const result = await runCli(["demo", "--runs", "2", "--json", "--database-url", db.url], {
      cwd: tmpdir(),
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.summary).toMatchObject({ runs: 2, completed: 2, failed: 0, stagesCompleted: 12 });
    expect(report.runs.map((r: { label: string; status: string }) => [r.label, r.status])).toEqual([
      ["durable-workflows", "COMPLETED"],
      ["transactional-outbox", "COMPLETED"],
    ]);
    expect(report.runs[1].output).toMatchObject({ title: "The transactional outbox" });
  });
});
