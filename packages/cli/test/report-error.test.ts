/** How errors end the CLI: exit codes, `error [CODE]: …` lines, JSON, and database hints. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, RatchetError } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import { DatabaseUnreachableError, UsageError } from "../src/cli/errors.js";
import { ExitCode } from "../src/cli/exit-codes.js";
import { errorJson, exitCodeFor, formatError } from "../src/cli/report-error.js";
import { openDatabase } from "../src/db/open.js";
import { parseDatabaseUrl } from "../src/db/target.js";
import { classifyConnectionError, unreachable } from "../src/db/unreachable.js";
import { createStyle } from "../src/render/style.js";

const plain = createStyle(false);
const invalidInput = () =>
  new InvalidInputError(
    '[ratchet] input of workflow "document-pipeline" is invalid: input.url: Invalid URL',
    [{ path: "input.url", message: "Invalid URL", code: "invalid_format" }],
    { workflowId: "document-pipeline", field: "input.url" },
  );

describe("exit codes", () => {
  it("maps usage errors to 2, an unreachable database to 3, everything else to 1", () => {
    expect(exitCodeFor(new UsageError("bad"))).toBe(ExitCode.USAGE);
    expect(exitCodeFor(new DatabaseUnreachableError("down", "start it"))).toBe(3);
    expect(exitCodeFor(invalidInput())).toBe(1);
    expect(exitCodeFor(new RatchetError("RUN_NOT_FOUND", "no"))).toBe(1);
    expect(exitCodeFor(new Error("boom"))).toBe(1);
    expect(exitCodeFor("thrown string")).toBe(1);
  });
});

describe("formatError", () => {
  it("prints `error [CODE]: message (field: …)` without the [ratchet] tag", () => {
    expect(formatError(invalidInput(), plain)).toBe(
      'error [INVALID_INPUT]: input of workflow "document-pipeline" is invalid: input.url: Invalid URL (field: input.url, workflow: document-pipeline)',
    );
  });

  it("adds the hint on its own line", () => {
    expect(formatError(new UsageError("unknown command", { hint: "see --help" }), plain)).toBe(
      "error [USAGE]: unknown command\nhint: see --help",
    );
  });

  it("prints other errors as `error: message`, coloured only when asked", () => {
    expect(formatError(new Error("boom"), plain)).toBe("error: boom");
    expect(formatError(new Error("boom"), createStyle(true))).toContain("\u001b[31merror");
  });

  it("gives --json a single object with code, field and issues", () => {
    expect(errorJson(invalidInput()).error).toMatchObject({
      code: "INVALID_INPUT",
      field: "input.url",
      issues: [{ path: "input.url" }],
      message: expect.not.stringContaining("[ratchet]"),
    });
    expect(errorJson(new DatabaseUnreachableError("down", "start it")).error).toMatchObject({
      code: "DATABASE_UNREACHABLE",
      hint: "start it",
    });
    expect(errorJson(new Error("boom"))).toEqual({
      error: { code: "UNEXPECTED", message: "boom" },
    });
  });
});

describe("database connection problems", () => {
  const pg = parseDatabaseUrl("postgresql://me:pw@db.internal:5432/app", "/", "flag");

  it("classifies Prisma and driver codes, following causes", () => {
    expect(classifyConnectionError(Object.assign(new Error("x"), { code: "P1001" }))).toBe(
      "unreachable",
    );
    const nested = new Error("outer", {
      cause: Object.assign(new Error("inner"), { code: "ECONNREFUSED" }),
    });
    expect(classifyConnectionError(nested)).toBe("unreachable");
    expect(classifyConnectionError({ code: "3D000" })).toBe("missing-database");
    expect(classifyConnectionError({ code: "P1000" })).toBe("access-denied");
    expect(classifyConnectionError(new Error("other"))).toBe("unknown");
  });

  it("hints at starting PostgreSQL, creating the database or fixing the login, masking the password", () => {
    const down = unreachable(
      pg,
      Object.assign(new Error("Can't reach database server"), { code: "P1001" }),
    );
    expect(down.message).toBe(
      "cannot reach PostgreSQL at postgresql://me:***@db.internal:5432/app: Can't reach database server",
    );
    expect(down.hint).toContain("Is PostgreSQL running");
    expect(unreachable(pg, { code: "P1003" }).hint).toContain("createdb app");
    expect(unreachable(pg, { code: "28P01" }).hint).toContain("user and password");
  });

  it("reports an SQLite file that cannot be created as unreachable (exit 3)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-cli-open-"));
    try {
      const target = parseDatabaseUrl(join(dir, "missing", "dir", "r.db"), "/", "flag");
      const error = await openDatabase(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnreachableError);
      expect((error as DatabaseUnreachableError).hint).toContain("exists and is writable");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a closed PostgreSQL port as unreachable (exit 3)", async () => {
    const target = parseDatabaseUrl("postgresql://postgres@127.0.0.1:1/postgres", "/", "flag");
    const error = await openDatabase(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnreachableError);
    expect(exitCodeFor(error)).toBe(ExitCode.DATABASE_UNREACHABLE);
  });
});
