/**
 * `ratchet demo --database-url <pg>` as a real child process on a fresh PostgreSQL database
 * (created on RATCHET_TEST_DATABASE_URL's server, dropped afterwards; fails when unreachable).
 */
import { tmpdir } from "node:os";
import { MIGRATIONS } from "@ratchet/prisma";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { expectCompleteDemo } from "./support/demo-output.js";

describe("ratchet demo (child process, PostgreSQL)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase("cli_demo");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("runs the demo on PostgreSQL and exits 0", async () => {
    const result = await runCli(["demo", "--database-url", db.url], { cwd: tmpdir() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expectCompleteDemo(result.stdout, 5);
    expect(result.stdout).toContain(
      `database  PostgreSQL ${db.url}; ${MIGRATIONS.postgresql.length} migration(s) applied`,
    );
    expect(result.stdout).toContain(`database   PostgreSQL ${db.url}`);

    const runs = await runCli(["runs", "--json", "--database-url", db.url], { cwd: tmpdir() });
    const listed = JSON.parse(runs.stdout).runs as Array<{ status: string }>;
    expect(listed.map((r) => r.status)).toEqual(Array(5).fill("COMPLETED"));
  });
});
