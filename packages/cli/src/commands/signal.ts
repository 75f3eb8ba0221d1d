/**
 * `ratchet signal <runId> <name>` / `ratchet signal --key <key> <name>`: sends a signal through
 * `run.signal` — to a run, or by key to whichever run waits for the name and key — and says
 * whether a waiting step took it, it was buffered for a step that will wait for it, or it was a
 * duplicate of one sent before.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet signal`. */
export const signalCommand: CommandSpec = {
  name: "signal",
  summary: "Send a signal to a waiting run (or by --key to whichever run waits for it)",
  usage: [
    "ratchet signal <runId> <name> [options]",
    "ratchet signal --key <key> <name> [--workflow <workflowId>] [options]",
  ],
  description:
    "Sends the signal <name> (a waitForSignal step's `name`, default its id) with a JSON --payload. To a run: give its id. By key: give --key instead (e.g. an order id) and the run waiting for <name> with that key takes it, whoever sends it. A waiting step takes the signal at once and its run goes on (delivered); a signal nobody waits for yet is kept and taken, once, by the first step to wait for it (buffered); a repeat of an --id sent before changes nothing (duplicate). The payload is checked against the waiting step's schema when the run's workflow is registered here (--workflows; with --key, name it with --workflow) — otherwise the step checks it when it resumes. --json prints { signalId, status, workflowRunId?, stageId? }; --quiet only the status.",
  positionals: [
    { name: "runId", description: "the run to signal (omitted with --key)", required: false },
    {
      name: "name",
      description: "the signal's name (the waiting step's `name`, default its id)",
      required: false,
    },
  ],
  options: {
    payload: {
      type: "string",
      value: "<json>",
      description: "the signal's payload, as JSON",
      defaultText: "null",
    },
    key: {
      type: "string",
      value: "<key>",
      description: "send by key, not to a run: the run waiting for <name> with this key takes it",
    },
    workflow: {
      type: "string",
      value: "<workflowId>",
      description: "with --key: check the payload against this workflow's step waiting for <name>",
    },
    id: {
      type: "string",
      value: "<signalId>",
      description: "makes sending idempotent: a repeat with the same id changes nothing",
      defaultText: "a new id",
    },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "delivered, buffered or duplicate" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE]: RUN_NOT_FOUND, RUN_ENDED, UNKNOWN_SIGNAL (no step waits for <name>), INVALID_SIGNAL_PAYLOAD (naming the field), RESERVED_SIGNAL_NAME (approval:… / child:…: use ratchet approve)",
    },
    {
      code: ExitCode.USAGE,
      meaning: "bad usage: --payload not JSON, a run id and --key, no <name>",
    },
  ],
  examples: [
    `ratchet signal 0193f0c2-… payment --payload '{"amount":120,"currency":"EUR"}'`,
    `ratchet signal --key order-7 delivered --workflow shipment --payload '{"at":"2026-03-01"}'`,
    `ratchet signal 0193f0c2-… payment --id pay-7 --json`,
  ],
  async run(context) {
    const { runSignal } = await import("../handlers/signal.js");
    return runSignal(context);
  },
};
