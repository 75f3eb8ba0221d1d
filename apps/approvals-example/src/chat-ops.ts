/**
 * What a chat-ops bot does when a manager clicks "Approve" or "Reject": POST the decision to
 * the approval webhook, signed with the shared secret (`X-Ratchet-Signature`, an HMAC-SHA256 of
 * `<timestamp>.<raw body>`, with `X-Ratchet-Timestamp`).
 */
import { SIGNATURE_HEADER, signApprovalWebhook, TIMESTAMP_HEADER } from "@ratchet/host-common";

/** The decision a bot posts. */
export interface WebhookDecision {
  workflowRunId: string;
  stageId: string;
  decision: "approve" | "reject";
  by: string;
  comment?: string;
  /** The button click's id: a retried request with it answers `duplicate`, not 409. */
  decisionId?: string;
}

/** The webhook's answer. */
export interface WebhookAnswer {
  status: number;
  body: unknown;
}

/** Options of {@link postDecision}. */
export interface PostDecisionOptions {
  /** The key to sign with (default: the secret itself; a wrong one shows the 401). */
  signingSecret?: string;
  /** The signing time, Unix seconds (default: now). */
  timestamp?: number;
}

/** Posts a signed decision to the webhook at `url`; resolves with its status and JSON body. */
export async function postDecision(
  url: string,
  secret: string,
  decision: WebhookDecision,
  options: PostDecisionOptions = {},
): Promise<WebhookAnswer> {
  // Sign exactly the bytes that are sent: serialise once, sign, send the same string.
  const body = JSON.stringify(decision);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = await signApprovalWebhook(options.signingSecret ?? secret, timestamp, body);
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signature,
    },
    body,
  });
  return { status: response.status, body: await response.json() };
}
