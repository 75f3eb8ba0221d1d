/**
 * `@ratchet/cli`: the `ratchet` command. The executable is `dist/bin.js`; this entry point
 * exposes {@link main} for embedding and tests.
 */

export { DatabaseUnreachableError, UsageError } from "./cli/errors.js";
export { ExitCode, type ExitCodeValue } from "./cli/exit-codes.js";
export { COMMANDS } from "./commands/index.js";
export type { CommandContext, CommandSpec } from "./commands/spec.js";
export type { CliIo, OutputStream } from "./io.js";
export { main, VERSION } from "./main.js";
