/**
 * Opens the database a command uses: the `@ratchet/prisma` stack for SQLite or PostgreSQL,
 * migrated unless told otherwise. A database that cannot be reached or opened becomes a
 * {@link DatabaseUnreachableError} (exit code 3) with a hint; migration problems stay the
 * `MigrationError`s they are.
 */
import { RatchetError } from "@ratchet/kernel";
import { createPostgresStack, createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { DatabaseUnreachableError } from "../cli/errors.js";
import type { DatabaseTarget } from "./target.js";
import { postgresHint, unreachable } from "./unreachable.js";

/** How long connecting (and migrating) may take before the database counts as unreachable. */
export const OPEN_TIMEOUT_MS = 20_000;

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Give up after this long (default {@link OPEN_TIMEOUT_MS}). */
  timeoutMs?: number;
}

function createStack(target: DatabaseTarget, migrate: boolean): Promise<PrismaStack> {
  return target.provider === "sqlite"
    ? createSqliteStack({ file: target.file, migrate })
    : createPostgresStack({ url: target.url, migrate, poolSize: 5 });
}

/** Opens `target`; the caller closes the stack. */
export async function openDatabase(
  target: DatabaseTarget,
  options: OpenOptions = {},
): Promise<PrismaStack> {
  const timeoutMs = options.timeoutMs ?? OPEN_TIMEOUT_MS;
  const opening = createStack(target, options.migrate ?? true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new DatabaseUnreachableError(
          `${target.display} did not answer within ${Math.round(timeoutMs / 1000)} s`,
          target.provider === "postgresql"
            ? postgresHint("unreachable", target.url)
            : "Another process may hold the SQLite file's lock; try again or pass another --database-url.",
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([opening, timeout]);
  } catch (error) {
    // A stack that opens after the timeout is closed rather than leaked.
    void opening.then((stack) => stack.close()).catch(() => {});
    if (error instanceof RatchetError) throw error;
    throw unreachable(target, error);
  } finally {
    clearTimeout(timer);
  }
}
