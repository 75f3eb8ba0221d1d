/**
 * The dashboard's request handler: the UI's files, the read API (`/api/runs`,
 * `/api/runs/<id>`, `/api/workflows`), live streams (`/api/stream`) and the actions
 * (`POST /api/runs/<id>/<action>`), behind the checks of auth.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RatchetError } from "@ratchet/kernel";
import { actionRequestOf, isActionName, performAction, recordAction } from "./actions.js";
import {
  requireActionHeader,
  requireKnownHost,
  requireToken,
  tokenCookie,
  tokenMatches,
} from "./auth.js";
import { HttpError, readJsonBody, sendError, sendJson, statusOfKernelCode } from "./http.js";
import type { LiveStreams } from "./live-streams.js";
import type { ResolvedOptions } from "./options.js";
import { loadRunView } from "./run-view.js";
import { listQueryOf, loadRunList } from "./runs-list.js";
import { serveStatic } from "./static-files.js";
import { loadWorkflowsView } from "./workflows-view.js";

/** What the handler works with. */
export interface HandlerContext {
  options: ResolvedOptions;
  streams: LiveStreams;
  uiDir: string;
  schedules: ResolvedOptions["schedules"] & {};
}

const RUN_PATH = /^\/api\/runs\/([^/]+)$/;
const ACTION_PATH = /^\/api\/runs\/([^/]+)\/([a-z]+)$/;

async function loadRun(ctx: HandlerContext, runId: string) {
  const { queries, workflows, now } = ctx.options;
  const view = await loadRunView(queries, workflows, runId, now());
  if (!view) throw new HttpError(404, "RUN_NOT_FOUND", `no run ${runId}`);
  return view;
}

/** The data a GET of `path` answers (also what its live stream sends). */
function reader(
  ctx: HandlerContext,
  path: string,
  params: URLSearchParams,
): () => Promise<unknown> {
  if (path === "/api/runs") {
    const query = listQueryOf(params);
    const search = params.get("q") ?? undefined;
    return () => loadRunList(ctx.options.queries, query, search);
  }
  if (path === "/api/workflows")
    return () => loadWorkflowsView(ctx.options.workflows, ctx.schedules);
  const run = RUN_PATH.exec(path);
  if (run?.[1]) {
    const runId = decodeURIComponent(run[1]);
    return () => loadRun(ctx, runId);
  }
  throw new HttpError(404, "NOT_FOUND", `no such API: ${path}`);
}

async function handleAction(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  runId: string,
  action: string,
): Promise<void> {
  const { options } = ctx;
  requireActionHeader(req);
  requireToken(req, options.token);
  if (!isActionName(action)) throw new HttpError(404, "NOT_FOUND", `no action ${action}`);
  const request = actionRequestOf(action, runId, await readJsonBody(req, options.maxBodyBytes));
  const entry = {
    at: options.now(),
    action,
    runId,
    stageId: request.stageId,
    by: request.by,
    remote: req.socket.remoteAddress ?? "unknown",
    authenticated: options.token !== undefined,
  };
  try {
    const result = await performAction(options.dispatch, request);
    await recordAction(
      { ...entry, result: "ok", detail: JSON.stringify(result) },
      options.appendLogs,
      options.audit,
    );
    sendJson(res, 200, { result });
  } catch (error) {
    const detail = error instanceof RatchetError ? `${error.code} ${error.message}` : String(error);
    await recordAction({ ...entry, result: "error", detail }, options.appendLogs, options.audit);
    throw error;
  }
}

async function route(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { options } = ctx;
  const url = new URL(req.url ?? "/", "http://dashboard.invalid");
  const path = url.pathname;
  requireKnownHost(req, options.host, options.token);
  if (req.method === "POST") {
    const action = ACTION_PATH.exec(path);
    if (!action?.[1] || !action[2])
      throw new HttpError(404, "NOT_FOUND", `no such action: ${path}`);
    return handleAction(ctx, req, res, decodeURIComponent(action[1]), action[2]);
  }
  if (req.method !== "GET" && req.method !== "HEAD")
    throw new HttpError(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed`);
  if (!path.startsWith("/api/")) {
    const given = url.searchParams.get("token");
    if (path === "/" && given !== null && tokenMatches(given, options.token)) {
      // Keep the token in an HttpOnly cookie, and out of the address bar and history.
      res.writeHead(303, { location: "/", "set-cookie": tokenCookie(given) });
      res.end();
      return;
    }
    if (serveStatic(res, path, ctx.uiDir)) return;
    throw new HttpError(404, "NOT_FOUND", `no such page: ${path}`);
  }
  requireToken(req, options.token);
  if (path === "/api/session") {
    sendJson(res, 200, { tokenRequired: options.token !== undefined, authorized: true });
    return;
  }
  if (path === "/api/stream") {
    const target = url.searchParams.get("path") ?? "";
    const params = new URLSearchParams(url.searchParams);
    params.delete("path");
    const load = reader(ctx, target, params);
    ctx.streams.open(req, res, load);
    return;
  }
  sendJson(res, 200, await reader(ctx, path, url.searchParams)());
}

/** Handles one request; every failure becomes a JSON error reply. */
export async function handleRequest(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    await route(ctx, req, res);
  } catch (error) {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error instanceof HttpError) sendError(res, error.status, error.code, error.message);
    else if (error instanceof RatchetError)
      sendJson(res, statusOfKernelCode(error.code), { error: error.toJSON() });
    else sendError(res, 500, "INTERNAL", error instanceof Error ? error.message : String(error));
  }
}
