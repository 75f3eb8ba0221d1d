/** splitSqlStatements: how migration scripts are cut into statements for SQLite. */
import { describe, expect, test } from "vitest";
import { MIGRATIONS, splitSqlStatements } from "../src/migrate/index.js";

describe("splitSqlStatements", () => {
  test("splits on semicolons and drops comment-only pieces", () => {
    const sql = `-- CreateTable\nCREATE TABLE "a" ("id" TEXT);\n\n-- CreateIndex\nCREATE INDEX "a_idx" ON "a"("id");\n-- trailing comment\n`;
    expect(splitSqlStatements(sql)).toEqual([
      `-- CreateTable\nCREATE TABLE "a" ("id" TEXT)`,
      `-- CreateIndex\nCREATE INDEX "a_idx" ON "a"("id")`,
    ]);
  });

  test("keeps semicolons inside strings, quoted identifiers and comments", () => {
    const sql = `INSERT INTO "t;x" VALUES ('a;b', 'it''s; fine'); /* c; d */ SELECT [e;f], \`g;h\`; -- i; j\nSELECT 1`;
    expect(splitSqlStatements(sql)).toEqual([
      `INSERT INTO "t;x" VALUES ('a;b', 'it''s; fine')`,
      "/* c; d */ SELECT [e;f], `g;h`",
      "-- i; j\nSELECT 1",
    ]);
  });

  test("keeps PostgreSQL dollar-quoted bodies whole", () => {
    const sql = `CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql; SELECT $$a;b$$;`;
    expect(splitSqlStatements(sql)).toEqual([
      "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
      "SELECT $$a;b$$",
    ]);
  });

  test("keeps an SQLite trigger body whole, up to END;", () => {
    const sql = `CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END;\nSELECT 1;`;
    expect(splitSqlStatements(sql)).toEqual([
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END",
      "SELECT 1",
    ]);
  });

  test("splits the committed SQLite migrations into one statement per statement keyword at a line start", () => {
    for (const migration of MIGRATIONS.sqlite) {
      const statements = splitSqlStatements(migration.sql);
      const starts = migration.sql.match(/^(CREATE|ALTER|DROP|INSERT|UPDATE|PRAGMA) /gm) ?? [];
      expect(statements).toHaveLength(starts.length);
      const keyword = (statement: string) =>
        statement
          .replace(/^(\s*--[^\n]*\n)+/, "")
          .trim()
          .split(/\s/)[0];
      expect(statements.map(keyword)).toEqual(starts.map((s) => s.trim()));
    }
  });
});
