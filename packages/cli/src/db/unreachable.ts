/**
 * Recognising "the database cannot be reached or opened", and the hint to print for it.
 */
import { DatabaseUnreachableError } from "../cli/errors.js";
import type { DatabaseTarget } from "./target.js";

type Problem = "unreachable" | "missing-database" | "access-denied" | "unknown";

/** Prisma's connection error codes (P1xxx) and driver codes, by what they mean. */
const CODES: Readonly<Record<string, Problem>> = {
  P1000: "access-denied",
  P1001: "unreachable",
  P1002: "unreachable",
  P1003: "missing-database",
  P1010: "access-denied",
  P1011: "unreachable",
  P1017: "unreachable",
  ECONNREFUSED: "unreachable",
  ECONNRESET: "unreachable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "unreachable",
  ETIMEDOUT: "unreachable",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  "28P01": "access-denied",
  "28000": "access-denied",
  "3D000": "missing-database",
};

function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** What kind of connection problem `error` is. */
export function classifyConnectionError(error: unknown): Problem {
  for (const cause of causes(error)) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && CODES[code] !== undefined) return CODES[code];
  }
  return "unknown";
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
  } catch {
    return "<name>";
  }
}

/** The hint printed for a PostgreSQL problem. */
export function postgresHint(problem: Problem, url: string): string {
  switch (problem) {
    case "missing-database": {
      const name = databaseName(url);
      return `The database "${name}" does not exist. Create it (createdb ${name}, or psql -c 'CREATE DATABASE "${name}"') or fix the name in --database-url.`;
    }
    case "access-denied":
      return "The server refused the login: check the user and password in --database-url.";
    default:
      return (
        "Is PostgreSQL running and reachable? Start it (e.g. `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`, " +
        "or `pg_ctlcluster <version> main start`) and check the host and port in --database-url. " +
        "Without --database-url, Ratchet uses an SQLite file and needs no server."
      );
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]?.trim() ?? text;
}

/** Wraps a failure to open `target` as a {@link DatabaseUnreachableError} with a hint. */
export function unreachable(target: DatabaseTarget, error: unknown): DatabaseUnreachableError {
  if (target.provider === "sqlite") {
    return new DatabaseUnreachableError(
      `cannot open the SQLite database ${target.display}: ${messageOf(error)}`,
      `Check that the directory of ${target.display} exists and is writable, or pass another --database-url.`,
      error,
    );
  }
  return new DatabaseUnreachableError(
    `cannot reach PostgreSQL at ${target.display}: ${messageOf(error)}`,
    postgresHint(classifyConnectionError(error), target.url),
    error,
  );
}
