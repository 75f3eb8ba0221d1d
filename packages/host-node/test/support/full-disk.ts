/**
 * A stack's storage ports that fail the way a full disk makes SQLite fail, for as long as a
 * switch is on: every asynchronous port call rejects with `SQLITE_FULL` ("database or disk is
 * full"), before it reaches the database. Turned off, the calls go through again.
 */
import type { PrismaStack } from "@ratchet/prisma";

/** The error SQLite (better-sqlite3) raises when the disk is full. */
export function sqliteFullError(): Error {
  return Object.assign(new Error("database or disk is full"), {
    name: "SqliteError",
    code: "SQLITE_FULL",
  });
}

/** Methods that build things rather than reach the database: never failed. */
const SYNC = new Set<PropertyKey>(["stageCommitter"]);

/** `port`, each of whose methods rejects with SQLITE_FULL while `full()` is true. */
function failingWhile<T extends object>(port: T, full: () => boolean): T {
  return new Proxy(port, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function" || SYNC.has(property)) return value;
      return (...args: unknown[]) =>
        full() ? Promise.reject(sqliteFullError()) : value.apply(target, args);
    },
  });
}

/** The ports `createKernel` takes from `stack`, failing while `full()` is true. */
export function portsOnFullDisk(
  stack: PrismaStack,
  full: () => boolean,
): Pick<PrismaStack, "persistence" | "jobTransport" | "scheduler" | "blobStore"> {
  return {
    persistence: failingWhile(stack.persistence, full),
    jobTransport: failingWhile(stack.jobTransport, full),
    scheduler: failingWhile(stack.scheduler, full),
    blobStore: failingWhile(stack.blobStore, full),
  };
}
