/**
 * HTTP plumbing of the gateway: bearer-token authentication (constant-time), bounded request
 * bodies (size and time), JSON answers with the protocol's error shape.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExternalWorkerErrorCode } from "./error-codes.js";
import { PROTOCOL_VERSION } from "./protocol.js";

/** A refusal: an HTTP status and one of the protocol's error codes. */
export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly code: ExternalWorkerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/**
 * A check of bearer tokens against `tokens` that takes the same time whichever token is close:
 * both sides are hashed to 32 bytes and compared with `timingSafeEqual`, and every known token
 * is compared.
 */
export function tokenChecker(tokens: readonly string[]): (header: string | undefined) => boolean {
  const known = tokens.map(digest);
  return (header) => {
    const match = /^Bearer ([^\s]+)$/.exec(header ?? "");
    const given = digest(match?.[1] ?? "");
    let ok = false;
    for (const token of known) ok = timingSafeEqual(token, given) || ok;
    return ok && match !== null;
  };
}

/**
 * Reads the body as JSON: refuses (413) past `maxBytes` — at once when `Content-Length` says so
 * — and (408) when it has not arrived within `timeoutMs`.
 */
export function readJson(
  req: IncomingMessage,
  maxBytes: number,
  timeoutMs: number,
): Promise<unknown> {
  const tooLarge = () =>
    new ProtocolError(413, "PAYLOAD_TOO_LARGE", `request body over the limit of ${maxBytes} bytes`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const end = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.removeAllListeners("data");
      outcome();
    };
    const timer = setTimeout(
      () =>
        end(() =>
          reject(
            new ProtocolError(
              408,
              "REQUEST_TIMEOUT",
              `request body not received in ${timeoutMs} ms`,
            ),
          ),
        ),
      timeoutMs,
    );
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) end(() => reject(tooLarge()));
      else chunks.push(chunk);
    });
    req.on("error", (error) => end(() => reject(error)));
    req.on("end", () =>
      end(() => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve(text.length === 0 ? {} : JSON.parse(text));
        } catch {
          reject(new ProtocolError(400, "INVALID_REQUEST", "request body is not JSON"));
        }
      }),
    );
  });
}

/** Answers `body` as JSON with the protocol's version. */
export function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ protocolVersion: PROTOCOL_VERSION, ...body });
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers a refusal; a body refused for its size or time also closes the connection. */
export function sendError(res: ServerResponse, error: ProtocolError): void {
  if (error.status === 413 || error.status === 408) res.setHeader("connection", "close");
  sendJson(res, error.status, { error: { code: error.code, message: error.message } });
}
