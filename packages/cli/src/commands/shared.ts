/**
 * What several commands share: the `--workflows` option, and opening the database for the
 * length of a command.
 */

import type { PrismaStack } from "@ratchet/prisma";
import type { OptionSpec } from "../cli/options.js";
import { type OpenOptions, openDatabase } from "../db/open.js";
import { type DatabaseTarget, resolveDatabaseTarget } from "../db/target.js";
import type { CommandContext } from "./spec.js";

/** `--workflows <module>`. */
export const WORKFLOWS_OPTION: OptionSpec = {
  type: "string",
  value: "<module>",
  description:
    "JavaScript module exporting `workflows` (an array) or a default array; replaces the built-in demo workflows",
  defaultText: "the built-in document-pipeline",
};

/** Runs `fn` with the command's database open; closes it afterwards. */
export async function withDatabase<T>(
  context: CommandContext,
  fn: (stack: PrismaStack, target: DatabaseTarget) => Promise<T>,
  options: OpenOptions & { target?: DatabaseTarget } = {},
): Promise<T> {
  const target =
    options.target ??
    resolveDatabaseTarget(context.globals.databaseUrl, context.io.env, context.io.cwd);
  const stack = await openDatabase(target, options);
  try {
    return await fn(stack, target);
  } finally {
    await stack.close();
  }
}
