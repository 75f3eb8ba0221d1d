/** Which database a command uses: flag, environment, SQLite default; the demo's fresh file. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/errors.js";
import {
  DATABASE_URL_ENV,
  describeTarget,
  maskPassword,
  parseDatabaseUrl,
  resolveDatabaseTarget,
} from "../src/db/target.js";
import { demoTarget, resetDemoDatabase } from "../src/demo/database.js";

const CWD = "/work/project";

describe("resolveDatabaseTarget", () => {
  it("defaults to ./ratchet.db in the current directory (embedded SQLite)", () => {
    expect(resolveDatabaseTarget(undefined, {}, CWD)).toEqual({
      provider: "sqlite",
      file: "/work/project/ratchet.db",
      display: "./ratchet.db",
      source: "default",
    });
  });

  it("uses RATCHET_DATABASE_URL, and --database-url over it", () => {
    const env = { [DATABASE_URL_ENV]: "postgresql://u:secret@db:5432/app" };
    expect(resolveDatabaseTarget(undefined, env, CWD)).toMatchObject({
      provider: "postgresql",
      url: "postgresql://u:secret@db:5432/app",
      display: "postgresql://u:***@db:5432/app",
      source: "env",
    });
    expect(resolveDatabaseTarget("./other.db", env, CWD)).toMatchObject({
      provider: "sqlite",
      file: "/work/project/other.db",
      source: "flag",
    });
  });

  it("reads SQLite as file: URLs (relative or absolute) and plain paths", () => {
    const file = (value: string) => {
      const target = parseDatabaseUrl(value, CWD, "flag");
      return target.provider === "sqlite" ? target.file : undefined;
    };
    expect(file("file:./data/r.db")).toBe("/work/project/data/r.db");
    expect(file("file:/tmp/r.db")).toBe("/tmp/r.db");
    expect(file("file:///tmp/r.db")).toBe("/tmp/r.db");
    expect(file("r.db")).toBe("/work/project/r.db");
    expect(file("/var/lib/r.db")).toBe("/var/lib/r.db");
  });

  it("accepts postgres:// and postgresql://", () => {
    expect(parseDatabaseUrl("postgres://h/db", CWD, "flag").provider).toBe("postgresql");
    expect(parseDatabaseUrl("POSTGRESQL://h/db", CWD, "flag").provider).toBe("postgresql");
  });

  it("rejects other schemes and empty values as usage errors", () => {
    expect(() => parseDatabaseUrl("mysql://h/db", CWD, "flag")).toThrow(UsageError);
    expect(() => parseDatabaseUrl("  ", CWD, "flag")).toThrow(UsageError);
    expect(() => parseDatabaseUrl("file:", CWD, "flag")).toThrow(UsageError);
  });

  it("describes targets without passwords", () => {
    expect(maskPassword("postgresql://a:b@h:1/d")).toBe("postgresql://a:***@h:1/d");
    expect(maskPassword("postgresql://a@h/d")).toBe("postgresql://a@h/d");
    expect(describeTarget(resolveDatabaseTarget(undefined, {}, CWD))).toBe("SQLite ./ratchet.db");
  });
});

describe("the demo's database", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is a fresh ./ratchet-demo.db unless --database-url is given (the environment is ignored)", () => {
    expect(demoTarget(undefined, CWD)).toMatchObject({
      provider: "sqlite",
      file: "/work/project/ratchet-demo.db",
      source: "default",
    });
    expect(demoTarget("postgresql://h/d", CWD)).toMatchObject({ provider: "postgresql" });
  });

  it("deletes the default file and its WAL files, and never a database that was named", () => {
    dir = mkdtempSync(join(tmpdir(), "ratchet-cli-demo-db-"));
    const target = demoTarget(undefined, dir);
    const files = ["", "-wal", "-shm"].map((suffix) => join(dir, `ratchet-demo.db${suffix}`));
    for (const file of files) writeFileSync(file, "x");
    expect(resetDemoDatabase(target)).toBe(true);
    expect(files.filter((file) => existsSync(file))).toEqual([]);

    const named = join(dir, "mine.db");
    writeFileSync(named, "x");
    expect(resetDemoDatabase(demoTarget(named, dir))).toBe(false);
    expect(existsSync(named)).toBe(true);
  });
});
