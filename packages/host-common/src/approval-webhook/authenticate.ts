/**
 * Who may decide through the webhook: a request that proves it holds the shared secret —
 * signed (`X-Ratchet-Signature` over `X-Ratchet-Timestamp` and the raw body, the timestamp
 * within the tolerance of now) or carrying the secret itself (`X-Ratchet-Secret`, compared in
 * constant time).
 */
import { constantTimeEqual } from "./constant-time.js";
import {
  SECRET_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type WebhookAuthMethod,
} from "./options.js";
import { hmacKey, parseSignature, signedBytes } from "./signature.js";

/** What authentication needs to know, fixed when the handler is created. */
export interface AuthSettings {
  /** The secrets (one, or several during a rotation). */
  secrets: readonly string[];
  accept: ReadonlySet<WebhookAuthMethod>;
  toleranceMs: number;
  now: () => number;
}

/** `undefined`: authenticated; otherwise why not (safe to tell the caller). */
export type AuthFailure = string | undefined;

const encoder = new TextEncoder();

/** Checks the request's credentials against `settings`; the body is its raw bytes. */
export async function authenticate(
  headers: Headers,
  body: Uint8Array,
  settings: AuthSettings,
): Promise<AuthFailure> {
  const signature = headers.get(SIGNATURE_HEADER);
  if (signature !== null) {
    if (!settings.accept.has("signature")) return `${SIGNATURE_HEADER} is not accepted here`;
    return verifySignature(signature, headers.get(TIMESTAMP_HEADER), body, settings);
  }
  const secret = headers.get(SECRET_HEADER);
  if (secret !== null) {
    if (!settings.accept.has("secret"))
      return `${SECRET_HEADER} is not accepted here: sign the body (${SIGNATURE_HEADER})`;
    return checkSecret(secret, settings.secrets);
  }
  return `no credentials: send ${[...settings.accept].map((m) => (m === "signature" ? `${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER}` : SECRET_HEADER)).join(", or ")}`;
}

function checkSecret(given: string, secrets: readonly string[]): AuthFailure {
  const actual = encoder.encode(given);
  // Every secret is compared, so the time taken does not say which one (if any) matched.
  let matched = false;
  for (const secret of secrets)
    matched = constantTimeEqual(actual, encoder.encode(secret)) || matched;
  return matched ? undefined : `wrong ${SECRET_HEADER}`;
}

async function verifySignature(
  header: string,
  timestamp: string | null,
  body: Uint8Array,
  settings: AuthSettings,
): Promise<AuthFailure> {
  if (timestamp === null || !/^\d{1,12}$/.test(timestamp.trim()))
    return `missing or malformed ${TIMESTAMP_HEADER} (Unix seconds)`;
  const skewMs = Math.abs(settings.now() - Number(timestamp.trim()) * 1000);
  if (skewMs > settings.toleranceMs)
    return `${TIMESTAMP_HEADER} is more than ${Math.round(settings.toleranceMs / 1000)} s from now: sign the request again`;
  const mac = parseSignature(header);
  if (mac === undefined) return `malformed ${SIGNATURE_HEADER} (expected sha256=<64 hex digits>)`;
  const signed = signedBytes(timestamp.trim(), body);
  let valid = false;
  for (const secret of settings.secrets) {
    // crypto.subtle.verify compares in constant time.
    valid = (await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, signed)) || valid;
  }
  return valid ? undefined : `bad ${SIGNATURE_HEADER}`;
}
