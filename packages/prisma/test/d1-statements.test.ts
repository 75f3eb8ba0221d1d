/** Statements for D1: numbered placeholders, and D1's 100-parameter limit kept. */
import { describe, expect, it } from "vitest";
import { D1_MAX_PARAMS, d1Statements, literal } from "../src/sql/d1-statements.js";

describe("d1Statements", () => {
  it("numbers placeholders and binds a parameter used twice once", () => {
    expect(d1Statements("SELECT * FROM t WHERE a = $2 AND b = $1 OR c = $2", ["x", "y"])).toEqual([
      { sql: "SELECT * FROM t WHERE a = ?1 AND b = ?2 OR c = ?1", params: ["y", "x"] },
    ]);
  });

  it("splits a multi-row INSERT past the limit into inserts of at most 100 parameters", () => {
    const rows = 45;
    const values: unknown[] = [];
    const tuples = Array.from({ length: rows }, (_, i) => {
      values.push(`id-${i}`, i, `it's ${i}`);
      return `($${3 * i + 1}, $${3 * i + 2}, 'PENDING', $${3 * i + 3}, (1 + 2))`;
    });
    const sql = `INSERT INTO t (id, n, status, note, x) VALUES ${tuples.join(", ")} ON CONFLICT (id) DO NOTHING`;
    const statements = d1Statements(sql, values);
    expect(statements.length).toBe(2);
    for (const statement of statements) {
      expect(statement.params.length).toBeLessThanOrEqual(D1_MAX_PARAMS);
      expect(statement.sql).toMatch(
        /^INSERT INTO t \(id, n, status, note, x\) VALUES \(\?1, \?2, /,
      );
      expect(statement.sql.endsWith(" ON CONFLICT (id) DO NOTHING")).toBe(true);
    }
    expect(statements.flatMap((s) => s.params)).toEqual(values);
    expect(statements.map((s) => s.sql.split("'PENDING'").length - 1)).toEqual([33, 12]);
  });

  it("writes the parameters of any other statement past the limit into it as literals", () => {
    const ids = Array.from({ length: 120 }, (_, i) => `j'${i}`);
    const marks = ids.map((_, i) => `$${i + 2}`).join(", ");
    const [statement, ...rest] = d1Statements(`DELETE FROM t WHERE at < $1 AND id IN (${marks})`, [
      5,
      ...ids,
    ]);
    expect(rest).toEqual([]);
    expect(statement?.params).toEqual([]);
    expect(statement?.sql).toBe(
      `DELETE FROM t WHERE at < 5 AND id IN (${ids.map((id) => `'${id.replace("'", "''")}'`).join(", ")})`,
    );
  });

  it("spells literals as SQLite reads them back", () => {
    expect(literal(null)).toBe("NULL");
    expect(literal(undefined)).toBe("NULL");
    expect(literal(true)).toBe("1");
    expect(literal(-2.5)).toBe("-2.5");
    expect(literal(new Date(1234))).toBe("1234");
    expect(literal(new Uint8Array([0, 15, 255]))).toBe("X'000fff'");
    expect(literal("a'b")).toBe("'a''b'");
    expect(() => literal(Number.NaN)).toThrow(TypeError);
  });
});
