/**
 * What `createApprovalWebhook` takes, the header names it reads, and its defaults.
 */
import type { ApprovalDecideCommand, ApprovalDecideResult } from "@ratchet/kernel";

/** The header a caller puts the shared secret in (the `secret` method). */
export const SECRET_HEADER = "X-Ratchet-Secret";
/** The header with the body's signature, `sha256=<hex HMAC-SHA256>` (the `signature` method). */
export const SIGNATURE_HEADER = "X-Ratchet-Signature";
/** The header with the time the signature was made, in Unix seconds (the `signature` method). */
export const TIMESTAMP_HEADER = "X-Ratchet-Timestamp";

/** Largest body accepted (64 KiB): a decision is a few hundred bytes. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/**
 * How far a signature's timestamp may be from now (5 minutes, either way): an older signed
 * request is refused, so a captured one cannot be replayed later.
 */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * How a caller proves it holds the secret: `signature`, an HMAC-SHA256 of the timestamp and
 * the raw body (replay-protected); `secret`, the secret itself in a header (simpler; no replay
 * protection, so use it only over TLS to a trusted caller).
 */
export type WebhookAuthMethod = "signature" | "secret";

/** Decides an approval: `kernel.dispatch`, or anything that forwards the command to a kernel. */
export type DecideApproval = (command: ApprovalDecideCommand) => Promise<ApprovalDecideResult>;

/** Options of `createApprovalWebhook`. */
export interface ApprovalWebhookOptions {
  /** The kernel the decisions go to (its `dispatch`); or give {@link dispatch} instead. */
  kernel?: { dispatch: DecideApproval };
  /** Where the `approval.decide` commands go, when no {@link kernel} is given. */
  dispatch?: DecideApproval;
  /**
   * The shared secret (the HMAC key, and the `secret` header's value). Several during a
   * rotation: a request is accepted with any of them.
   */
  secret: string | readonly string[];
  /** Methods accepted (default both). `["signature"]` refuses the plain secret header. */
  accept?: readonly WebhookAuthMethod[];
  /** Largest body accepted, bytes (default {@link DEFAULT_MAX_BODY_BYTES}); larger is 413. */
  maxBodyBytes?: number;
  /** How old (or how far ahead) a signature's timestamp may be, ms (default 5 minutes). */
  signatureToleranceMs?: number;
  /** The current time, ms since the epoch (default `Date.now`); tests pass a fixed clock. */
  now?: () => number;
  /**
   * Sees every error answered with a 500 (whose response says nothing of it), to log it.
   * Default: none.
   */
  onError?: (error: unknown) => void;
}
