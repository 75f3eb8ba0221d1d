/**
 * `ratchet breakers` as a real child process on a temporary SQLite file: the breakers' state
 * (table and --json), and `breakers reset <name>` (an unknown name is a usage error).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createSqliteStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

describe("ratchet breakers (child process, SQLite)", () => {
  const db = createSqliteFile("cli-breakers");
  const cwd = join(import.meta.dirname, "..", ".tmp", `cli-breakers-${process.pid}`);
  const cli = (...args: string[]) => runCli([...args, "--database-url", db.url], { cwd });

  beforeAll(async () => {
    mkdirSync(cwd, { recursive: true });
    expect((await cli("migrate")).code).toBe(0);
  });
  afterAll(() => {
    db.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("lists breakers with their state and resets one", async () => {
    const none = await cli("breakers");
    expect(none.stderr).toBe("");
    expect(none.stdout).toContain("no circuit breakers");
    const stack = await createSqliteStack({ file: db.file });
    try {
      const openedAt = new Date("2026-01-01T10:00:00.000Z");
      await stack.persistence.withTransaction(async (tx) => {
        const b = await tx.lockBreaker("payments-api", openedAt);
        await tx.saveBreaker({
          ...b,
          state: "OPEN",
          failures: [openedAt, openedAt],
          openedAt,
          openedFailures: 2,
          halfOpenAt: new Date("2026-01-01T10:00:30.000Z"),
          lastError: { code: "UPSTREAM", message: "503 from payments" },
        });
        await tx.lockBreaker("inventory", openedAt);
      });
    } finally {
      await stack.close();
    }

    const table = await cli("breakers");
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^BREAKER\s+STATE\s+FAILURES\s+OPENED\s+HALF-OPEN AT\s+LAST ERROR/);
    expect(lines[1]).toMatch(/^inventory\s+CLOSED\s+0\s+-\s+-\s+-/);
    expect(lines[2]).toMatch(
      /^payments-api\s+OPEN\s+2\s+.*\(2 failures\).*UPSTREAM: 503 from payments/,
    );

    const json = JSON.parse((await cli("breakers", "list", "--json")).stdout);
    expect(json.breakers.map((b: { name: string }) => b.name)).toEqual([
      "inventory",
      "payments-api",
    ]);
    expect(json.breakers[1]).toMatchObject({
      name: "payments-api",
      state: "OPEN",
      failures: 2,
      openedAt: "2026-01-01T10:00:00.000Z",
      openedFailures: 2,
      halfOpenAt: "2026-01-01T10:00:30.000Z",
      lastError: { code: "UPSTREAM", message: "503 from payments" },
    });

    const reset = await cli("breakers", "reset", "payments-api");
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("reset circuit breaker payments-api (closed)");
    const after = JSON.parse((await cli("breakers", "--json")).stdout);
    expect(after.breakers.map((b: { name: string }) => b.name)).toEqual(["inventory"]);

    const unknown = await cli("breakers", "reset", "payments-api");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no circuit breaker "payments-api"');
  });
});
