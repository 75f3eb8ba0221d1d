/**
 * The webhook's answers: JSON bodies `{ status, … }` on success and `{ error: { code, message,
 * … } }` otherwise, and the HTTP status each kernel error maps to. A 500 says nothing of its
 * cause.
 */
import { RatchetError } from "@ratchet/kernel";

const HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

/** A JSON response. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...HEADERS, ...headers } });
}

/** An error response: `{ error: { code, message, ...extra } }`. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return json(status, { error: { code, message, ...extra } }, headers);
}

/**
 * The status of each kernel error `approval.decide` raises for a request that cannot be carried
 * out as sent (keyed by code).
 */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  INVALID_COMMAND: 400,
  NOT_AN_APPROVER: 403,
  RUN_NOT_FOUND: 404,
  STAGE_NOT_FOUND: 404,
  NOT_AN_APPROVAL: 404,
  APPROVAL_NOT_PENDING: 409,
  PAYLOAD_TOO_LARGE: 413,
};

/** The status for a kernel error refusing the request; `undefined` for any other error. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof RatchetError && Object.hasOwn(STATUS_OF_CODE, error.code)
    ? STATUS_OF_CODE[error.code]
    : undefined;
}

/** A kernel error's message without the `[ratchet]` tag. */
function plain(message: string): string {
  return message.replace(/^(\[[a-z-]+\]\s*)+/i, "");
}

/** The response for a kernel error that refused the request (see {@link statusOf}). */
export function refusal(error: RatchetError, status: number): Response {
  const extra: Record<string, unknown> = {};
  if (error.field !== undefined) extra.field = error.field;
  if (status === 400)
    extra.issues = [{ path: error.field ?? "", code: "invalid", message: plain(error.message) }];
  return errorResponse(status, error.code, plain(error.message), extra);
}
