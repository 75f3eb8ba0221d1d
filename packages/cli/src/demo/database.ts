/**
 * The demo's database: `--database-url` when given (used as it is), else a fresh SQLite file
 * `./ratchet-demo.db` — deleted first, with its WAL files, so every demo starts clean.
 */
import { rmSync } from "node:fs";
import { type DatabaseTarget, parseDatabaseUrl, resolveDatabaseTarget } from "../db/target.js";

/** The default demo database file, in the current directory. */
export const DEMO_SQLITE_FILE = "ratchet-demo.db";

/** The database the demo uses (the environment's `RATCHET_DATABASE_URL` is not consulted). */
export function demoTarget(flag: string | undefined, cwd: string): DatabaseTarget {
  return flag === undefined
    ? resolveDatabaseTarget(undefined, {}, cwd, DEMO_SQLITE_FILE)
    : parseDatabaseUrl(flag, cwd, "flag");
}

/** Deletes the default demo file (and its `-wal`/`-shm`/`-journal`); other targets are kept. */
export function resetDemoDatabase(target: DatabaseTarget): boolean {
  if (target.provider !== "sqlite" || target.source !== "default") return false;
  for (const suffix of ["", "-wal", "-shm", "-journal"])
    rmSync(`${target.file}${suffix}`, { force: true });
  return true;
}
