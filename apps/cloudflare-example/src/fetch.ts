/**
 * A small HTTP API to drive the example:
 *
 * - `POST /runs` with a feed as JSON → `201 { workflowRunId }` (the next cron tick starts it);
 * - `GET /runs/:id` → `{ status, output }`;
 * - `GET /runs/:id/jobs` → the run's queued job ids (what a publisher would send as messages);
 * - `GET /stats` → the host's counters.
 */
import { decodeValue, RatchetError } from "@ratchet/kernel";
import type { Runtime } from "./runtime.js";
import { digestWorkflow } from "./workflow.js";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Routes one request. */
export async function handleFetch(runtime: Runtime, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const parts = pathname.split("/").filter(Boolean);
  if (request.method === "POST" && pathname === "/runs") {
    try {
      const input: unknown = await request.json();
      const { workflowRunId } = await runtime.kernel.dispatch({
        type: "run.create",
        workflowId: digestWorkflow.id,
        input,
      });
      return json({ workflowRunId }, 201);
    } catch (error) {
      if (error instanceof RatchetError) return json({ error: error.toJSON() }, 400);
      return json({ error: { code: "INVALID_JSON", message: String(error) } }, 400);
    }
  }
  if (request.method === "GET" && parts[0] === "runs" && parts[1] !== undefined) {
    const run = await runtime.ports.persistence.getRun(parts[1]);
    if (!run) return json({ error: { code: "RUN_NOT_FOUND" } }, 404);
    if (parts[2] === "jobs") {
      const jobs = await runtime.ports.jobTransport.activeJobsForRun(run.id);
      return json({ jobIds: jobs.filter((j) => j.status === "PENDING").map((j) => j.jobId) });
    }
    return json({
      status: run.status,
      output: run.output === null ? null : decodeValue(run.output),
    });
  }
  if (request.method === "GET" && pathname === "/stats") return json(runtime.host.getStats());
  return json({ error: { code: "NOT_FOUND" } }, 404);
}
