/**
 * `ratchet dashboard` as a real child process on a temporary SQLite file: it serves the runs
 * of the database, cancels one with the token (written to the run's logs and printed), refuses
 * an action without it, and stops on SIGTERM with exit 0; it refuses 0.0.0.0 without a token.
 */
import { tmpdir } from "node:os";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./support/cli.js";

const TOKEN = "cli-dashboard-token";

describe("ratchet dashboard (child process, SQLite)", () => {
  const db = createSqliteFile("cli-dashboard");
  const cwd = tmpdir();
  afterAll(() => db.cleanup());

  it("refuses a non-loopback address without a token (usage error, exit 2)", async () => {
    const result = await runCli(["dashboard", "--host", "0.0.0.0", "--database-url", db.url], {
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/);
    expect(result.stderr).toContain("RATCHET_DASHBOARD_TOKEN");
  });

  it("serves the database's runs, checks the token on actions, records them, stops on SIGTERM", async () => {
    const created = await runCli(
      [
        "run",
        "document-pipeline",
        "--input",
        '{"url":"https://example.org/a"}',
        "--quiet",
        "--database-url",
        db.url,
      ],
      { cwd },
    );
    expect(created.code).toBe(0);
    const runId = created.stdout.trim();
    const server = await startCli(["dashboard", "--port", "0", "--database-url", db.url], {
      cwd,
      ready: "Press Ctrl-C",
      env: { RATCHET_DASHBOARD_TOKEN: TOKEN },
    });
    try {
      const url = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.output())?.[1] ?? "";
      expect(url).not.toBe("");
      const auth = { authorization: `Bearer ${TOKEN}` };
      expect((await fetch(`${url}api/runs`)).status).toBe(401);
      const list = (await (await fetch(`${url}api/runs`, { headers: auth })).json()) as {
        runs: { id: string }[];
      };
      expect(list.runs.map((r) => r.id)).toEqual([runId]);
      const action = { "content-type": "application/json", "x-ratchet-dashboard": "1" };
      const cancel = (headers: Record<string, string>) =>
        fetch(`${url}api/runs/${runId}/cancel`, {
          method: "POST",
          headers,
          body: JSON.stringify({ by: "cli-test" }),
        });
      expect((await cancel(action)).status).toBe(401);
      expect((await cancel({ ...action, ...auth })).status).toBe(200);
      const status = await runCli(["status", runId, "--json", "--database-url", db.url], { cwd });
      expect(JSON.parse(status.stdout).run.status).toBe("CANCELLED");
      expect(server.output()).toMatch(
        new RegExp(`audit: cancel on run ${runId} by cli-test from .*: ok`),
      );
    } finally {
      server.child.kill("SIGTERM");
    }
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain("dashboard stopped");
  });
});
