/** The protocol's routes: one handler per path, each answering JSON (see `protocol.ts`). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type JsonValue, toIsolatedError } from "@ratchet/kernel";
import type { Broker, HeldResult } from "./broker.js";
import { ProtocolError, readJson, sendJson } from "./http.js";
import { asBody, claimFields, failFields, logFields, progressFields, text } from "./requests.js";

/** What the routes need of the gateway. */
export interface RouteContext {
  broker: Broker;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  maxWaitMs: number;
}

const JOB_PATH = /^\/v1\/jobs\/([A-Za-z0-9-]{1,64})\/(heartbeat|progress|log|complete|fail)$/;

function held<T>(result: HeldResult<T>, jobId: string): T {
  if (!result.ok)
    throw new ProtocolError(
      409,
      "LEASE_LOST",
      `job ${jobId} is not held under this lease token (the lease expired and the job went to another worker, or the attempt ended); nothing was changed`,
    );
  return result.value;
}

/** Handles one authenticated request; throws `ProtocolError` to refuse it. */
export async function route(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://gateway").pathname;
  if (req.method !== "POST" || (path !== "/v1/claim" && !JOB_PATH.test(path)))
    throw new ProtocolError(404, "NOT_FOUND", `no ${req.method} ${path} in protocol v1`);
  const body = asBody(await readJson(req, ctx.maxBodyBytes, ctx.bodyTimeoutMs));
  if (path === "/v1/claim") {
    const { workerId, tasks, waitMs } = claimFields(body, ctx.maxWaitMs);
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    const job = await ctx.broker.claim(workerId, tasks, waitMs, gone.signal);
    if (gone.signal.aborted && job) {
      // The worker left before it got the job: it goes back to the queue at once.
      ctx.broker.release(job.jobId, job.leaseToken);
      return;
    }
    return sendJson(res, 200, { job });
  }
  const [, jobId = "", action] = JOB_PATH.exec(path) ?? [];
  const token = text(body, "leaseToken", 200);
  const { broker } = ctx;
  switch (action) {
    case "heartbeat":
      return sendJson(res, 200, held(broker.heartbeat(jobId, token), jobId));
    case "progress":
      held(broker.report(jobId, token, { type: "progress", ...progressFields(body) }), jobId);
      return sendJson(res, 200, { ok: true });
    case "log":
      held(broker.report(jobId, token, { type: "log", ...logFields(body) }), jobId);
      return sendJson(res, 200, { ok: true });
    case "complete": {
      if (!("output" in body))
        throw new ProtocolError(400, "INVALID_REQUEST", "output is required (null is allowed)");
      held(
        broker.finish(jobId, token, { type: "result", output: (body.output ?? null) as JsonValue }),
        jobId,
      );
      return sendJson(res, 200, { ok: true });
    }
    default: {
      const error = failFields(body);
      held(broker.finish(jobId, token, { type: "error", error }), jobId);
      return sendJson(res, 200, { ok: true });
    }
  }
}

/** An unexpected error as a 500 answer's message. */
export function internalMessage(error: unknown): string {
  return toIsolatedError(error).message;
}
