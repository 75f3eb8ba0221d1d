/**
 * `createApprovalWebhook`: an HTTP endpoint that decides approvals — a framework-neutral
 * `(request: Request) => Promise<Response>` on the Web Fetch API alone (no Node module), so it
 * mounts the same in Node 20 (`node:http` through `Request`/`Response`, or any framework that
 * speaks them), Cloudflare Workers and AWS Lambda.
 *
 * It accepts `POST` with the JSON body `{ workflowRunId, stageId, decision: "approve" |
 * "reject", by, comment?, decisionId? }`, authenticated by a signature (`X-Ratchet-Signature`
 * over `X-Ratchet-Timestamp` and the raw body, refused when older than 5 minutes) or the shared
 * secret itself (`X-Ratchet-Secret`), and dispatches `approval.decide`. Answers: 200 `{ status:
 * "decided" | "duplicate", workflowRunId, stageId }`; 400 a bad body (with `issues`); 401 bad or
 * missing credentials; 403 `NOT_AN_APPROVER`; 404 no such run, step or approval step; 405 not
 * POST; 409 `APPROVAL_NOT_PENDING`; 413 a body over the cap; 503 the run's workflow is not
 * registered with this kernel; 500 anything else, saying nothing of it. See
 * docs/approvals-webhook.md.
 */
import { DefinitionUnavailableError, type RatchetError } from "@ratchet/kernel";
import { authenticate } from "./authenticate.js";
import { parseDecision } from "./decision-body.js";
import type { ApprovalWebhookOptions } from "./options.js";
import { readCappedBody } from "./read-body.js";
import { errorResponse, json, refusal, statusOf } from "./responses.js";
import { settingsOf } from "./settings.js";

/** An approval webhook: a Fetch API handler. */
export type ApprovalWebhook = (request: Request) => Promise<Response>;

/**
 * Creates the approval webhook handler; throws `INVALID_OPTIONS` (naming the field) for
 * options it cannot work with (no kernel, an empty secret …).
 *
 * @example
 * ```ts
 * const approvals = createApprovalWebhook({ kernel, secret: env.RATCHET_WEBHOOK_SECRET });
 * export default {
 *   fetch: (request: Request) =>
 *     new URL(request.url).pathname === "/approvals" ? approvals(request) : new Response(null, { status: 404 }),
 * };
 * ```
 */
export function createApprovalWebhook(options: ApprovalWebhookOptions): ApprovalWebhook {
  const { decide, auth, maxBodyBytes } = settingsOf(options);
  const tooLarge = () =>
    errorResponse(413, "BODY_TOO_LARGE", `the body is larger than ${maxBodyBytes} bytes`);
  return async (request) => {
    if (request.method !== "POST")
      return errorResponse(405, "METHOD_NOT_ALLOWED", "use POST", {}, { allow: "POST" });
    try {
      const body = await readCappedBody(request, maxBodyBytes);
      if (body.kind === "too-large") return tooLarge();
      const failure = await authenticate(request.headers, body.bytes, auth);
      if (failure !== undefined) return errorResponse(401, "UNAUTHORIZED", failure);
      const parsed = parseDecision(body.bytes);
      if (!parsed.ok)
        return errorResponse(400, "INVALID_BODY", parsed.message, { issues: parsed.issues });
      const result = await decide(parsed.command);
      return json(200, {
        status: result.status,
        workflowRunId: result.workflowRunId,
        stageId: result.stageId,
      });
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined) return refusal(error as RatchetError, status);
      if (error instanceof DefinitionUnavailableError)
        return errorResponse(
          503,
          error.code,
          "this endpoint does not have the run's workflow definition; try again later",
          {},
          { "retry-after": "30" },
        );
      try {
        options.onError?.(error);
      } catch {
        // A failing logger must not turn the 500 into an unhandled rejection.
      }
      return errorResponse(500, "INTERNAL_ERROR", "the decision could not be recorded");
    }
  };
}

export {
  type ApprovalWebhookOptions,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  type DecideApproval,
  SECRET_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type WebhookAuthMethod,
} from "./options.js";
export { signApprovalWebhook } from "./signature.js";
