/**
 * The approval webhook of `@ratchet/host-common` in workerd (Cloudflare's runtime) under
 * Miniflare: test/fixtures/approval-webhook-worker.ts, bundled here as the Worker itself is —
 * one neutral ES module with no Node built-in — decides a refund's approval from a signed
 * request, and refuses bad credentials, stale signatures and oversized bodies.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "miniflare-webhook-secret";
const builtins = new Set(builtinModules);

/** Fails the bundle on any Node built-in, as the Worker's own build does. */
const noNodeBuiltins: Plugin = {
  name: "no-node-builtins",
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      if (!args.path.startsWith("node:") && !builtins.has(name.split("/")[0] ?? "")) return;
      return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }] };
    });
  },
};

const decisionFor = (workflowRunId: string, patch: Record<string, unknown> = {}) =>
  JSON.stringify({ workflowRunId, stageId: "manager", decision: "approve", by: "ann", ...patch });

function signedHeaders(body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const mac = createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex");
  return {
    "content-type": "application/json",
    "X-Ratchet-Timestamp": String(timestamp),
    "X-Ratchet-Signature": `sha256=${mac}`,
  };
}

describe("the approval webhook in workerd (Miniflare)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ratchet-webhook-worker-"));
  let mf: Miniflare;

  beforeAll(async () => {
    const outfile = join(dir, "worker.js");
    await build({
      entryPoints: [join(import.meta.dirname, "fixtures", "approval-webhook-worker.ts")],
      bundle: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      target: "es2022",
      outfile,
      plugins: [noNodeBuiltins],
      logLevel: "silent",
    });
    mf = new Miniflare({
      modules: true,
      scriptPath: outfile,
      modulesRoot: dir,
      compatibilityDate: "2025-09-01",
      bindings: { RATCHET_WEBHOOK_SECRET: SECRET },
    });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startRefund(): Promise<string> {
    const response = await mf.dispatchFetch("http://worker.test/runs", {
      method: "POST",
      body: JSON.stringify({ amount: 150 }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { workflowRunId: string }).workflowRunId;
  }

  const approve = (headers: Record<string, string>, body: string) =>
    mf.dispatchFetch("http://worker.test/approvals", { method: "POST", headers, body });

  it("a signed decision is recorded and the run completes approved", async () => {
    const runId = await startRefund();
    expect(await (await mf.dispatchFetch(`http://worker.test/runs/${runId}`)).json()).toEqual({
      status: "RUNNING",
      output: null,
    });
    const body = decisionFor(runId, { comment: "from workerd", decisionId: "d-1" });
    const response = await approve(signedHeaders(body), body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "decided",
      workflowRunId: runId,
      stageId: "manager",
    });
    const retried = await approve(signedHeaders(body), body);
    expect(await retried.json()).toMatchObject({ status: "duplicate" });
    const run = (await (await mf.dispatchFetch(`http://worker.test/runs/${runId}`)).json()) as {
      status: string;
      output: Record<string, unknown>;
    };
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toMatchObject({ status: "approved", by: "ann", comment: "from workerd" });
  });

  it("refuses a bad signature, a stale timestamp and a wrong secret (401), a big body (413)", async () => {
    const runId = await startRefund();
    const body = decisionFor(runId);
    const bad = { ...signedHeaders(body), "X-Ratchet-Signature": `sha256=${"0".repeat(64)}` };
    expect((await approve(bad, body)).status).toBe(401);
    const stale = signedHeaders(body, Math.floor(Date.now() / 1000) - 6 * 60);
    const staleAnswer = await approve(stale, body);
    expect(staleAnswer.status).toBe(401);
    expect(await staleAnswer.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    expect((await approve({ "X-Ratchet-Secret": "nope" }, body)).status).toBe(401);
    const big = decisionFor(runId, { comment: "x".repeat(70_000) });
    expect((await approve(signedHeaders(big), big)).status).toBe(413);
    const mallory = decisionFor(runId, { by: "mallory" });
    expect((await approve({ "X-Ratchet-Secret": SECRET }, mallory)).status).toBe(403);
    expect((await approve({ "X-Ratchet-Secret": SECRET }, body)).status).toBe(200);
  });
});
