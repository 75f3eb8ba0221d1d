/**
 * `ratchet breakers`: the circuit breakers' shared state (one row per named resource), and
 * `ratchet breakers reset <name>` to close one by hand (its row deleted: no failures counted).
 */
import type { CommandSpec } from "./spec.js";

const listAction: CommandSpec = {
  name: "breakers list",
  summary: "List circuit breakers and their state",
  description:
    "Lists the circuit breakers by name: state (CLOSED, OPEN, HALF_OPEN), failures counted in the window, when it opened and after how many failures, when an open one lets a probe through, and the last failure. With --quiet only the names are printed.",
  positionals: [],
  options: {},
  examples: ["ratchet breakers", "ratchet breakers list --json"],
  async run(context) {
    const { runBreakersList } = await import("../handlers/breakers.js");
    return runBreakersList(context);
  },
};

const resetAction: CommandSpec = {
  name: "breakers reset",
  summary: "Close a circuit breaker by hand",
  description:
    "Closes a circuit breaker at once: its row is deleted, so it counts no failures and the stages it deferred run when their jobs are next available. An unknown name is a usage error (exit 2).",
  positionals: [{ name: "name", description: "the breaker, e.g. payments-api", required: true }],
  options: {},
  examples: ["ratchet breakers reset payments-api"],
  async run(context) {
    const { runBreakersReset } = await import("../handlers/breakers.js");
    return runBreakersReset(context);
  },
};

/** `ratchet breakers`. */
export const breakersCommand: CommandSpec = {
  name: "breakers",
  summary: "List circuit breakers, or reset one",
  description:
    "Circuit breakers guard stages that call a shared resource (a stage's `breaker` option); their state is shared by every worker through the database. Without an action this lists them (as `breakers list`). Actions: list, reset (ratchet breakers <action> --help).",
  positionals: [],
  options: {},
  examples: ["ratchet breakers", "ratchet breakers --json", "ratchet breakers reset payments-api"],
  actions: [listAction, resetAction],
  async run(context) {
    const { runBreakersList } = await import("../handlers/breakers.js");
    return runBreakersList(context);
  },
};
