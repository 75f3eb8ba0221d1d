/**
 * The webhook's signature: HMAC-SHA256, keyed with the shared secret, over
 * `<timestamp>.<raw body>` (the Unix-seconds timestamp of `X-Ratchet-Timestamp`, a dot, then
 * the body's exact bytes), written `sha256=<64 lower-case hex digits>`. Web Crypto only, so it
 * runs in Node 20, Cloudflare Workers and Lambda alike.
 */

const encoder = new TextEncoder();

/** The bytes signed for `body` sent at `timestamp` (Unix seconds, as sent in the header). */
export function signedBytes(timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.`);
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix, 0);
  bytes.set(body, prefix.length);
  return bytes;
}

/** A Web Crypto key (`CryptoKey`, named through `crypto.subtle` so no DOM types are needed). */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** An HMAC-SHA256 key from `secret` (UTF-8). */
export function hmacKey(secret: string): Promise<HmacKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** The 32 bytes a `sha256=<hex>` header names, or `undefined` when it is not one. */
export function parseSignature(header: string): Uint8Array<ArrayBuffer> | undefined {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return undefined;
  const hex = match[1];
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * Signs a webhook body: the value of `X-Ratchet-Signature` for `body` sent with
 * `X-Ratchet-Timestamp: <timestamp>`. For callers written in JavaScript (and tests).
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ workflowRunId, stageId: "manager", decision: "approve", by: "ann" });
 * const timestamp = String(Math.floor(Date.now() / 1000));
 * await fetch(url, {
 *   method: "POST",
 *   body,
 *   headers: {
 *     "content-type": "application/json",
 *     "X-Ratchet-Timestamp": timestamp,
 *     "X-Ratchet-Signature": await signApprovalWebhook(secret, timestamp, body),
 *   },
 * });
 * ```
 */
export async function signApprovalWebhook(
  secret: string,
  timestamp: string,
  body: string | Uint8Array,
): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", await hmacKey(secret), signedBytes(timestamp, bytes)),
  );
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
