/**
 * The dashboard's HTTP API over the in-memory stack: lists, the run view, actions and their
 * audit lines, live streams, and the security checks (token, Host, action header, body size,
 * non-loopback addresses).
 */
import { createTestKernel, type TestKernel } from "@ratchet/kernel/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditEntry, createDashboard, type Dashboard, DashboardError } from "../src/index.js";
import { openEventStream, rawRequest } from "./support/http.js";
import { testWorkflows } from "./support/workflows.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by expect, field by field
type Body = Record<string, any>;

const TOKEN = "s3cret-token-for-tests";
const ACTION = { "content-type": "application/json", "x-ratchet-dashboard": "1" };

let t: TestKernel;
let dashboard: Dashboard | undefined;
let audits: AuditEntry[];

async function start(extra: { token?: string } = {}): Promise<Dashboard> {
  dashboard = await createDashboard({
    queries: t.queries,
    dispatch: (command) => t.kernel.dispatch(command),
    workflows: testWorkflows,
    appendLogs: (logs) => t.persistence.appendLogs(logs),
    audit: (entry) => audits.push(entry),
    port: 0,
    pollIntervalMs: 50,
    now: () => t.clock.now(),
    ...extra,
  });
  return dashboard;
}

async function create(workflowId: string, n = 1, idempotencyKey?: string): Promise<string> {
  const result = await t.kernel.dispatch({
    type: "run.create",
    workflowId,
    input: { n },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  return result.workflowRunId;
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, dashboard?.url), { headers });
  return { status: res.status, body: (await res.json()) as Body };
}

async function post(path: string, body: unknown, headers: Record<string, string> = ACTION) {
  const res = await fetch(new URL(path, dashboard?.url), {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

beforeEach(() => {
  t = createTestKernel({ workflows: testWorkflows });
  audits = [];
});
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe("where it listens", () => {
  it("refuses a non-loopback address without a token, with a typed error", async () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.7"]) {
      const error = await createDashboard({
        queries: t.queries,
        dispatch: t.kernel.dispatch,
        host,
        port: 0,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DashboardError);
      expect((error as DashboardError).code).toBe("DASHBOARD_TOKEN_REQUIRED");
      expect((error as DashboardError).message).toMatch(/without a token/);
    }
  });

  it("listens on 127.0.0.1 by default and refuses a short token", async () => {
    const d = await start();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(start({ token: "short" })).rejects.toMatchObject({
      code: "DASHBOARD_INVALID_OPTION",
    });
  });
});

describe("reading", () => {
  it("lists runs newest first, filters, searches and pages", async () => {
    const first = await create("gated", 1, "order-100");
    const failed = await create("broken");
    await t.driver.runToCompletion(failed);
    const third = await create("gated", 3);
    await start();
    const all = await get("/api/runs");
    expect(all.body.runs.map((r: { id: string }) => r.id)).toEqual([third, failed, first]);
    expect(
      (await get("/api/runs?status=FAILED")).body.runs.map((r: { id: string }) => r.id),
    ).toEqual([failed]);
    expect((await get("/api/runs?workflow=gated")).body.runs).toHaveLength(2);
    expect((await get("/api/runs?q=order-1")).body.runs.map((r: { id: string }) => r.id)).toEqual([
      first,
    ]);
    expect((await get(`/api/runs?q=${failed}`)).body.runs[0].id).toBe(failed);
    const page1 = await get("/api/runs?limit=2");
    expect(page1.body.runs).toHaveLength(2);
    const page2 = await get(
      `/api/runs?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    expect(page2.body.runs.map((r: { id: string }) => r.id)).toEqual([first]);
    expect(page2.body.nextCursor).toBeNull();
    expect((await get("/api/runs?status=NOPE")).status).toBe(400);
  });

  it("shows a run: stages, attempt bars, explain sentence, logs and events", async () => {
    const runId = await create("broken");
    await t.driver.runToCompletion(runId);
    await start();
    const { status, body } = await get(`/api/runs/${runId}`);
    expect(status).toBe(200);
    expect(body.run.status).toBe("FAILED");
    expect(body.stages[0]).toMatchObject({ stageId: "explode", state: "FAILED" });
    expect(body.bars).toEqual([
      expect.objectContaining({ stageId: "explode", attempt: 1, outcome: "failed" }),
    ]);
    expect(body.bars[0].error).toMatch(/boom/);
    expect(body.explain.summary).toMatch(/fail/i);
    expect(body.events.map((e: { type: string }) => e.type)).toContain("workflow.failed");
    expect(body.groups).toEqual([["explode"]]);
    expect(body.actions).toMatchObject({ cancel: false, retry: true, rerunFrom: ["explode"] });
    expect((await get("/api/runs/no-such-run")).status).toBe(404);
  });

  it("shows the workflows with their Mermaid graphs and the schedules", async () => {
    await t.kernel.dispatch({
      type: "schedules.create",
      scheduleId: "nightly",
      workflowId: "gated",
      cron: "0 3 * * *",
      input: { n: 1 },
    });
    await start();
    const { body } = await get("/api/workflows");
    expect(body.workflows.map((w: { id: string }) => w.id)).toEqual(["gated", "broken", "refund"]);
    expect(body.workflows[0].mermaid).toMatch(/^flowchart/);
    expect(body.workflows[0].mermaid).toContain("hold");
    expect(body.schedules).toEqual([
      expect.objectContaining({ id: "nightly", workflowId: "gated" }),
    ]);
  });

  it("serves Mermaid's browser bundle from its own build (no mermaid package at run time)", async () => {
    await start();
    const res = await fetch(new URL("/vendor/mermaid.min.js", dashboard?.url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const text = await res.text();
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(text).toContain("mermaid");
  });
});

describe("actions", () => {
  it("cancels a run and records who did it in the run's logs and the audit", async () => {
    const runId = await create("gated");
    await start();
    const res = await post(`/api/runs/${runId}/cancel`, { by: "ann" });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ status: "CANCELLED", cancelled: true });
    expect((await t.queries.getRun(runId))?.run.status).toBe("CANCELLED");
    const logs = await t.queries.listLogs(runId);
    expect(logs).toEqual([
      expect.objectContaining({
        stageId: null,
        level: "info",
        message: expect.stringMatching(/^dashboard: cancel by ann from .*: ok$/),
      }),
    ]);
    expect(audits).toEqual([
      expect.objectContaining({ action: "cancel", runId, by: "ann", result: "ok" }),
    ]);
  });

  it("retries a failed run, reruns from a stage, and records a refused action as an error", async () => {
    const runId = await create("broken");
    await t.driver.runToCompletion(runId);
    await start();
    const retried = await post(`/api/runs/${runId}/retry`, {});
    expect(retried.status).toBe(200);
    expect(retried.body.result).toMatchObject({ fromStageId: "explode", previousStatus: "FAILED" });
    expect((await t.queries.getRun(runId))?.run.status).not.toBe("FAILED");
    const refused = await post(`/api/runs/${runId}/rerun`, { stageId: "explode" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("ILLEGAL_STATE_TRANSITION");
    expect(audits.map((a) => [a.action, a.result])).toEqual([
      ["retry", "ok"],
      ["rerun", "error"],
    ]);
    await t.driver.runToCompletion(runId);
    expect((await post(`/api/runs/${runId}/rerun`, { stageId: "explode" })).status).toBe(200);
    expect((await post(`/api/runs/${runId}/rerun`, {})).status).toBe(400);
  });

  it("approves a pending approval as the named person", async () => {
    const runId = await create("refund");
    for (let i = 0; i < 5; i++) await t.driver.tick();
    await start();
    const view = await get(`/api/runs/${runId}`);
    expect(view.body.actions.approvals).toEqual(["manager"]);
    const res = await post(`/api/runs/${runId}/approve`, {
      stageId: "manager",
      by: "bob",
      comment: "fine",
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ status: "decided" });
    const run = await t.driver.runToCompletion(runId);
    expect(run.status).toBe("COMPLETED");
  });
});

describe("security", () => {
  it("with a token: 401 without it, Bearer and the ?token= cookie work, actions always need it", async () => {
    const runId = await create("gated");
    await start({ token: TOKEN });
    expect((await get("/api/runs")).status).toBe(401);
    expect((await get("/api/runs", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get("/api/runs", { authorization: "Bearer wrong-token-xx" })).status).toBe(401);
    const visit = await rawRequest(`${dashboard?.url}?token=${TOKEN}`);
    expect(visit.status).toBe(303);
    const cookie = String(visit.headers["set-cookie"]).split(";")[0] ?? "";
    expect(cookie).toContain("ratchet_dashboard_token=");
    expect((await get("/api/runs", { cookie })).status).toBe(200);
    const denied = await post(`/api/runs/${runId}/cancel`, { by: "mallory" });
    expect(denied.status).toBe(401);
    expect((await t.queries.getRun(runId))?.run.status).toBe("PENDING");
    const stream = await rawRequest(`${dashboard?.url}api/stream?path=/api/runs`);
    expect(stream.status).toBe(401);
    const allowed = await post(`/api/runs/${runId}/cancel`, {}, { ...ACTION, cookie });
    expect(allowed.status).toBe(200);
    expect(audits.map((a) => [a.action, a.authenticated])).toEqual([["cancel", true]]);
  });

  it("refuses actions without the custom header or JSON, bodies too large, and foreign Host names", async () => {
    const runId = await create("gated");
    await start();
    expect(
      (await post(`/api/runs/${runId}/cancel`, {}, { "content-type": "application/json" })).status,
    ).toBe(403);
    expect(
      (await post(`/api/runs/${runId}/cancel`, {}, { ...ACTION, "content-type": "text/plain" }))
        .status,
    ).toBe(415);
    expect((await post(`/api/runs/${runId}/cancel`, { by: "x".repeat(20_000) })).status).toBe(413);
    const rebound = await rawRequest(`${dashboard?.url}api/runs`, {
      headers: { host: "evil.example:7700" },
    });
    expect(rebound.status).toBe(403);
    expect((await t.queries.getRun(runId))?.run.status).toBe("PENDING");
    expect(audits).toEqual([]);
  });
});

describe("live updates", () => {
  it("pushes a run's changes over SSE and ends the stream on close()", async () => {
    const runId = await create("gated");
    const d = await start();
    const stream = await openEventStream(`${d.url}api/stream?path=/api/runs/${runId}`);
    await stream.next((u) => (u as { run: { status: string } }).run.status === "PENDING");
    await t.kernel.dispatch({ type: "run.cancel", workflowRunId: runId });
    await stream.next((u) => (u as { run: { status: string } }).run.status === "CANCELLED");
    const count = stream.updates.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.updates.length).toBe(count); // nothing changed: nothing sent
    await d.close();
    await stream.ended;
  });
});
