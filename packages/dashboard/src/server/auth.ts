/**
 * Who may talk to the dashboard. With a token configured, every API call and stream must carry
 * it (`Authorization: Bearer <token>`, or the cookie set when the page is opened with
 * `?token=`). Every request must name this server in its `Host` header (no DNS rebinding), and
 * an action must be a JSON POST with the {@link ACTION_HEADER} header (no cross-site forms).
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http.js";
import { isLoopback } from "./options.js";

/** The cookie that carries the token after a `?token=` visit. */
export const TOKEN_COOKIE = "ratchet_dashboard_token";
/** The header every action must carry (a cross-site form cannot set it). */
export const ACTION_HEADER = "x-ratchet-dashboard";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `given` is the configured token (false when none is configured). */
export function tokenMatches(given: string, token: string | undefined): boolean {
  return token !== undefined && sameSecret(given, token);
}

/** The value of cookie `name`, if the request carries it. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Whether the request carries `token` (always true when no token is configured). */
export function hasToken(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ") && sameSecret(header.slice(7).trim(), token)) return true;
  const cookie = cookieOf(req, TOKEN_COOKIE);
  return cookie !== undefined && sameSecret(cookie, token);
}

/** Throws 401 unless the request carries the token. */
export function requireToken(req: IncomingMessage, token: string | undefined): void {
  if (!hasToken(req, token))
    throw new HttpError(
      401,
      "UNAUTHORIZED",
      "this dashboard needs its token: open it with ?token=<token> or send Authorization: Bearer <token>",
    );
}

/**
 * Throws 403 when the `Host` header names another server: a page of another site that
 * rebinds its name to this address must not read the API. Loopback names are always accepted
 * on a loopback server; any host is accepted on a server that has a token.
 */
export function requireKnownHost(
  req: IncomingMessage,
  listenHost: string,
  token: string | undefined,
): void {
  if (token !== undefined) return;
  const host = req.headers.host ?? "";
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  if (name !== undefined && (isLoopback(name) || name === listenHost)) return;
  throw new HttpError(403, "UNKNOWN_HOST", `requests must name this server, not ${host}`);
}

/** Throws 403 for a POST without {@link ACTION_HEADER} (the header a cross-site form cannot send). */
export function requireActionHeader(req: IncomingMessage): void {
  if (req.headers[ACTION_HEADER] === undefined)
    throw new HttpError(403, "MISSING_ACTION_HEADER", `actions need the ${ACTION_HEADER} header`);
}

/** The `Set-Cookie` value that stores the token for the page's later requests. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
