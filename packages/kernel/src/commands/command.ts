/**
 * What a command module is: a command's `type`, its zod schema, a fast well-formedness check
 * and its handler, in one value. The kernel's dispatch table is built from the list of these
 * (`commands/index.ts`); adding a command is adding a module to that list.
 */
import type { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";

/** A command's fields, as the fast check sees them (before zod has looked at them). */
export type CommandFields = Record<string, unknown>;

/**
 * Dispatches another command through the same kernel (`schedule.fireDue` fires scheduled
 * commands with it). Untyped: what it dispatches was stored as data.
 */
export type NestedDispatch = (command: { type: string }) => Promise<unknown>;

/** One command: its schema, its fast check and its handler. */
export interface CommandModule<C extends { type: string } = { type: string }, R = unknown> {
  readonly type: C["type"];
  /** The definition of a well-formed command, and the source of every `INVALID_COMMAND` error. */
  readonly schema: z.ZodType;
  /**
   * A cheap check that passes only commands `schema` accepts (it may refuse one zod would
   * accept, never the reverse): dispatch runs zod only when it says no, to build the error or
   * to have the final word. Properties are read as zod reads them (inherited ones included);
   * `type` is not checked (dispatch picks the module by it).
   */
  readonly isWellFormed: (command: CommandFields) => boolean;
  /** Carries out a well-formed command. */
  readonly handle: (command: C, deps: KernelDeps, dispatch: NestedDispatch) => Promise<R>;
}

/** The command type of a module. */
export type CommandOf<M> = M extends CommandModule<infer C, infer _R> ? C : never;
/** The result type of a module. */
export type ResultOf<M> = M extends CommandModule<infer _C, infer R> ? R : never;

/** Declares a command module (an identity function that fixes its types). */
export function defineCommand<C extends { type: string }, R>(
  module: CommandModule<C, R>,
): CommandModule<C, R> {
  return module;
}
