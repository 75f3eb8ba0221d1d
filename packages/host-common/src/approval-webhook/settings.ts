/**
 * `createApprovalWebhook`'s options, checked once when the handler is created, with their
 * defaults applied.
 */
import { RatchetError } from "@ratchet/kernel";
import type { AuthSettings } from "./authenticate.js";
import {
  type ApprovalWebhookOptions,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  type DecideApproval,
  type WebhookAuthMethod,
} from "./options.js";

/** What the handler works with. */
export interface WebhookSettings {
  decide: DecideApproval;
  auth: AuthSettings;
  maxBodyBytes: number;
}

function invalid(message: string, field: string): RatchetError {
  return new RatchetError("INVALID_OPTIONS", `[ratchet] [host] createApprovalWebhook: ${message}`, {
    field,
  });
}

/** Checks `options` and applies the defaults; throws `INVALID_OPTIONS` naming the field. */
export function settingsOf(options: ApprovalWebhookOptions): WebhookSettings {
  const kernel = options.kernel;
  const decide: DecideApproval | undefined = kernel
    ? (command) => kernel.dispatch(command)
    : options.dispatch;
  if (typeof decide !== "function") throw invalid("give `kernel` or `dispatch`", "kernel");
  const secrets =
    typeof options.secret === "string" ? [options.secret] : [...(options.secret ?? [])];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== "string" || s.length === 0))
    throw invalid("`secret` must be a non-empty string (or a list of them)", "secret");
  const accept = new Set<WebhookAuthMethod>(options.accept ?? ["signature", "secret"]);
  if (accept.size === 0 || [...accept].some((m) => m !== "signature" && m !== "secret"))
    throw invalid('`accept` must list "signature" and/or "secret"', "accept");
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw invalid("`maxBodyBytes` must be a positive integer", "maxBodyBytes");
  const toleranceMs = options.signatureToleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  if (!Number.isFinite(toleranceMs) || toleranceMs < 0)
    throw invalid("`signatureToleranceMs` must be a number of ms >= 0", "signatureToleranceMs");
  return {
    decide,
    auth: { secrets, accept, toleranceMs, now: options.now ?? Date.now },
    maxBodyBytes,
  };
}
