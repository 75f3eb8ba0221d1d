/**
 * Which database a command uses: `--database-url`, else `RATCHET_DATABASE_URL`, else the
 * embedded SQLite default (`./ratchet.db` in the current directory).
 *
 * - `postgresql://…` / `postgres://…`: PostgreSQL.
 * - `file:./path.db`, `file:/abs/path.db`, `file:///abs/path.db` or a plain path: an SQLite
 *   file (created if missing), relative to the current directory.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../cli/errors.js";

/** The default SQLite file, in the current directory. */
export const DEFAULT_SQLITE_FILE = "ratchet.db";
/** The environment variable consulted when `--database-url` is absent. */
export const DATABASE_URL_ENV = "RATCHET_DATABASE_URL";

/** A database to open. */
export type DatabaseTarget =
  | {
      provider: "sqlite";
      /** Absolute path of the file. */
      file: string;
      /** For messages: the path relative to the current directory. */
      display: string;
      /** Where the choice came from. */
      source: "flag" | "env" | "default";
    }
  | {
      provider: "postgresql";
      url: string;
      /** For messages: the URL with its password masked. */
      display: string;
      source: "flag" | "env";
    };

/** `url` with its password replaced by `***` (for messages). */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

function sqlitePath(value: string): string {
  if (value.startsWith("file://")) return fileURLToPath(value);
  if (value.startsWith("file:")) return value.slice("file:".length);
  return value;
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? `./${rel}` : file;
}

/** Resolves the target from a URL or path (`source` says where it came from). */
export function parseDatabaseUrl(
  value: string,
  cwd: string,
  source: "flag" | "env",
): DatabaseTarget {
  const trimmed = value.trim();
  if (trimmed === "") {
    throw new UsageError("--database-url is empty", {
      field: "--database-url",
      hint: "Use postgresql://user@host:5432/db, file:./ratchet.db or a path.",
    });
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed))
    return { provider: "postgresql", url: trimmed, display: maskPassword(trimmed), source };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== "file") {
    throw new UsageError(`unsupported database URL scheme "${scheme}:"`, {
      field: "--database-url",
      hint: "Ratchet stores runs in PostgreSQL (postgresql://…) or SQLite (file:./path.db or a path).",
    });
  }
  const path = sqlitePath(trimmed);
  if (path === "") {
    throw new UsageError(`--database-url ${JSON.stringify(value)} names no file`, {
      field: "--database-url",
    });
  }
  const file = resolve(cwd, path);
  return { provider: "sqlite", file, display: displayPath(file, cwd), source };
}

/**
 * The database for a command: `flag`, else `$RATCHET_DATABASE_URL`, else `defaultFile` in
 * `cwd`.
 */
export function resolveDatabaseTarget(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  defaultFile: string = DEFAULT_SQLITE_FILE,
): DatabaseTarget {
  if (flag !== undefined) return parseDatabaseUrl(flag, cwd, "flag");
  const fromEnv = env[DATABASE_URL_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseDatabaseUrl(fromEnv, cwd, "env");
  const file = resolve(cwd, defaultFile);
  return { provider: "sqlite", file, display: displayPath(file, cwd), source: "default" };
}

/** A one-line description, e.g. `SQLite ./ratchet.db` or `PostgreSQL postgresql://…`. */
export function describeTarget(target: DatabaseTarget): string {
  return target.provider === "sqlite" ? `SQLite ${target.display}` : `PostgreSQL ${target.display}`;
}
