/**
 * `ratchet dashboard` as a real child process on a real database: it serves the runs of the
 * database, cancels one with the token (written to the run's logs and printed), refuses an
 * action without it, and stops on SIGTERM with exit 0; it refuses 0.0.0.0 without a token.
 * Registered by the SQLite and PostgreSQL test files.
 */
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./cli.js";
import type { CliTestDatabase, CreateCliTestDatabase } from "./databases.js";

const TOKEN = "cli-dashboard-token";

/** Registers the suite on the database `createDatabase` makes (one for the whole file). */
export function dashboardSuite(name: string, createDatabase: CreateCliTestDatabase): void {
  describe(name, () => {
    let db: CliTestDatabase;
    const cwd = tmpdir();
    beforeAll(async () => {
      db = await createDatabase();
    });
    afterAll(async () => {
      await db?.cleanup();
    });

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
}
