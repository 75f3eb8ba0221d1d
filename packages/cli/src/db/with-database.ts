/**
 * Opening the database for the length of a command: `withDatabase(context, fn)`. It imports
 * `@ratchet/prisma` (through `open.ts`) only when it opens the database, so a command that
 * stops earlier — a usage error, a `--workflows` module that does not load — never loads it.
 */

import type { PrismaStack } from "@ratchet/prisma";
import type { CommandContext } from "../commands/spec.js";
import type { OpenOptions } from "./open.js";
import { type DatabaseTarget, resolveDatabaseTarget } from "./target.js";

/** Runs `fn` with the command's database open; closes it afterwards. */
export async function withDatabase<T>(
  context: CommandContext,
  fn: (stack: PrismaStack, target: DatabaseTarget) => Promise<T>,
  options: OpenOptions & { target?: DatabaseTarget } = {},
): Promise<T> {
  const target =
    options.target ??
    resolveDatabaseTarget(context.globals.databaseUrl, context.io.env, context.io.cwd);
  const { openDatabase } = await import("./open.js");
  const stack = await openDatabase(target, options);
  try {
    return await fn(stack, target);
  } finally {
    await stack.close();
  }
}
