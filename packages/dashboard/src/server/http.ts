/**
 * Small HTTP helpers over node:http: JSON replies, a size-limited JSON body, a status for an
 * error.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** A reply the request handlers throw to end a request early (401, 403, 413, …). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/** Sends `body` as JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends an error as `{ error: { code, message } }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  sendJson(res, status, { error: { code, message } });
}

/** Headers every reply of the dashboard carries. */
export function securityHeaders(): Record<string, string> {
  return { ...SECURITY_HEADERS };
}

/**
 * Reads a JSON object body of at most `maxBytes`: 413 when larger, 415 when not
 * `application/json`, 400 when not a JSON object.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "actions take a JSON body");
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes)
    throw new HttpError(413, "BODY_TOO_LARGE", `body over ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, "BODY_TOO_LARGE", `body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let value: unknown;
  try {
    value = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, "INVALID_JSON", "the body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HttpError(400, "INVALID_JSON", "the body must be a JSON object");
  return value as Record<string, unknown>;
}

/** The HTTP status for a kernel error code (`RatchetError.code`). */
export function statusOfKernelCode(code: string): number {
  if (code === "RUN_NOT_FOUND" || code === "STAGE_NOT_FOUND") return 404;
  if (code === "NOT_AN_APPROVER") return 403;
  if (
    code === "ILLEGAL_STATE_TRANSITION" ||
    code === "STALE_VERSION" ||
    code === "RUN_ENDED" ||
    code.startsWith("APPROVAL_")
  )
    return 409;
  return 400;
}
