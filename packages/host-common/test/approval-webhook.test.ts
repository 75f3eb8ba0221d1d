/**
 * The approval webhook on real `Request` objects against a kernel on the in-memory test kit:
 * both ways to authenticate (and what they refuse), every status it answers with, idempotent
 * retries, the body cap, and 500s that say nothing of their cause.
 */
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineWorkflow } from "@ratchet/kernel";
import { createTestKernel, FakeClock, type TestKernel } from "@ratchet/kernel/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  type ApprovalWebhookOptions,
  createApprovalWebhook,
  signApprovalWebhook,
} from "../src/index.js";

const SECRET = "webhook-secret-0123456789";
const NOW = Date.parse("2026-03-01T10:00:00Z");
const NOW_S = String(NOW / 1000);
const URL_ = "https://approvals.example.test/approvals";

const any = z.any();
const refund = defineWorkflow({ id: "refund", name: "Refund", input: any, output: any })
  .pass("prepare")
  .approval("manager", { title: "Refund over 100 EUR", approvers: ["ann", "bob"] })
  .build();

/** HMAC-SHA256 over `<timestamp>.<body>`, computed as the docs tell callers to (node:crypto). */
function sign(body: string, timestamp = NOW_S, secret = SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

function signed(body: unknown, options: { timestamp?: string; secret?: string } = {}): Request {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? NOW_S;
  return new Request(URL_, {
    method: "POST",
    body: text,
    headers: {
      "content-type": "application/json",
      "X-Ratchet-Timestamp": timestamp,
      "X-Ratchet-Signature": sign(text, timestamp, options.secret),
    },
  });
}

function withSecret(body: unknown, secret = SECRET): Request {
  return new Request(URL_, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "X-Ratchet-Secret": secret },
  });
}

async function answer(
  response: Response,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("createApprovalWebhook", () => {
  let t: TestKernel;
  let runId: string;
  let webhook: (request: Request) => Promise<Response>;
  const decision = (patch: Record<string, unknown> = {}) => ({
    workflowRunId: runId,
    stageId: "manager",
    decision: "approve",
    by: "ann",
    ...patch,
  });
  const make = (options: Partial<ApprovalWebhookOptions> = {}) =>
    createApprovalWebhook({ kernel: t.kernel, secret: SECRET, now: () => NOW, ...options });

  beforeEach(async () => {
    t = createTestKernel({ workflows: [refund], clock: new FakeClock(NOW) });
    runId = (await t.kernel.dispatch({ type: "run.create", workflowId: "refund", input: {} }))
      .workflowRunId;
    for (let i = 0; i < 4; i++) await t.driver.tick();
    webhook = make();
  });

  describe("authentication", () => {
    it("a good signature decides: 200 { status: decided } and the run goes on", async () => {
      const response = await webhook(signed(decision({ comment: "customer is right" })));
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(await answer(response)).toEqual({
        status: 200,
        body: { status: "decided", workflowRunId: runId, stageId: "manager" },
      });
      const run = await t.driver.runToCompletion(runId);
      expect(run.output).toMatchObject({
        status: "approved",
        by: "ann",
        comment: "customer is right",
      });
    });

    it("signApprovalWebhook computes the documented signature", async () => {
      const body = JSON.stringify(decision());
      expect(await signApprovalWebhook(SECRET, NOW_S, body)).toBe(sign(body));
      expect(await signApprovalWebhook(SECRET, NOW_S, new TextEncoder().encode(body))).toBe(
        sign(body),
      );
    });

    it("refuses a bad signature, a tampered body and a malformed header with 401", async () => {
      const wrongKey = await answer(
        await webhook(signed(decision(), { secret: "another-secret" })),
      );
      expect(wrongKey).toEqual({
        status: 401,
        body: { error: { code: "UNAUTHORIZED", message: "bad X-Ratchet-Signature" } },
      });
      const original = JSON.stringify(decision({ by: "bob" }));
      const tampered = new Request(URL_, {
        method: "POST",
        body: JSON.stringify(decision({ by: "ann" })),
        headers: { "X-Ratchet-Timestamp": NOW_S, "X-Ratchet-Signature": sign(original) },
      });
      expect((await webhook(tampered)).status).toBe(401);
      const malformed = new Request(URL_, {
        method: "POST",
        body: original,
        headers: { "X-Ratchet-Timestamp": NOW_S, "X-Ratchet-Signature": "md5=abc" },
      });
      expect((await answer(await webhook(malformed))).body).toMatchObject({
        error: {
          code: "UNAUTHORIZED",
          message: expect.stringContaining("malformed X-Ratchet-Signature"),
        },
      });
      // Nothing was decided.
      expect((await t.kernel.dispatch({ type: "approvals.list" })).approvals).toHaveLength(1);
    });

    it("refuses a stale, a future and a missing timestamp (replay protection)", async () => {
      const at = (ms: number) => String(Math.floor((NOW + ms) / 1000));
      for (const timestamp of [at(-5 * 60_000 - 1_000), at(5 * 60_000 + 1_000), "soon", ""]) {
        const { status, body } = await answer(await webhook(signed(decision(), { timestamp })));
        expect(status, timestamp).toBe(401);
        expect(JSON.stringify(body)).toMatch(/X-Ratchet-Timestamp/);
      }
      const late = await answer(await webhook(signed(decision(), { timestamp: at(-4 * 60_000) })));
      expect(late.status).toBe(200);
    });

    it("accepts the shared secret header, refuses a wrong one or none with 401", async () => {
      expect((await answer(await webhook(withSecret(decision(), "wrong")))).body).toEqual({
        error: { code: "UNAUTHORIZED", message: "wrong X-Ratchet-Secret" },
      });
      expect((await webhook(withSecret(decision(), `${SECRET}x`))).status).toBe(401);
      const sameLength = `${SECRET.slice(0, -1)}${SECRET.endsWith("9") ? "8" : "9"}`;
      expect((await webhook(withSecret(decision(), sameLength))).status).toBe(401);
      const none = await answer(
        await webhook(new Request(URL_, { method: "POST", body: JSON.stringify(decision()) })),
      );
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({
        error: { message: expect.stringContaining("no credentials") },
      });
      expect((await webhook(withSecret(decision()))).status).toBe(200);
    });

    it("with accept: [signature], refuses the shared secret header", async () => {
      const strict = make({ accept: ["signature"] });
      expect((await strict(withSecret(decision()))).status).toBe(401);
      expect((await strict(signed(decision()))).status).toBe(200);
    });

    it("accepts any secret of a rotation", async () => {
      const rotating = make({ secret: ["new-secret-abcdef", SECRET] });
      expect((await rotating(signed(decision(), { secret: "new-secret-abcdef" }))).status).toBe(
        200,
      );
      expect((await rotating(withSecret(decision({ by: "bob" }), SECRET))).status).toBe(409);
    });
  });

  describe("statuses", () => {
    it("400 for a body that is not a JSON decision, with every issue", async () => {
      expect(await answer(await webhook(signed("{nope")))).toEqual({
        status: 400,
        body: { error: { code: "INVALID_BODY", message: "the body is not JSON", issues: [] } },
      });
      expect((await answer(await webhook(signed("[1]")))).body).toMatchObject({
        error: { message: "the body must be a JSON object" },
      });
      const { status, body } = await answer(
        await webhook(
          signed({ workflowRunId: runId, decision: "maybe", by: "", comment: 7, extra: 1 }),
        ),
      );
      expect(status).toBe(400);
      expect((body.error as { issues: unknown[] }).issues).toEqual([
        { path: "stageId", code: "invalid_type", message: "required" },
        {
          path: "decision",
          code: "invalid_value",
          message: 'expected "approve" or "reject", got "maybe"',
        },
        { path: "by", code: "too_small", message: "must not be empty" },
        { path: "comment", code: "invalid_type", message: "expected a string, got number" },
        { path: "extra", code: "unrecognized_keys", message: "unknown field" },
      ]);
    });

    it("403 NOT_AN_APPROVER for someone not among the approvers", async () => {
      expect(await answer(await webhook(signed(decision({ by: "mallory" }))))).toEqual({
        status: 403,
        body: {
          error: {
            code: "NOT_AN_APPROVER",
            message: '"mallory" may not decide approval "manager" (approvers: ann, bob)',
            field: "by",
          },
        },
      });
    });

    it("404 for an unknown run, an unknown step and a step that is not an approval", async () => {
      const cases = [
        [{ workflowRunId: "no-such-run" }, "RUN_NOT_FOUND"],
        [{ stageId: "boss" }, "STAGE_NOT_FOUND"],
        [{ stageId: "prepare" }, "NOT_AN_APPROVAL"],
      ] as const;
      for (const [patch, code] of cases) {
        const { status, body } = await answer(await webhook(signed(decision(patch))));
        expect(status, code).toBe(404);
        expect(body).toMatchObject({ error: { code } });
      }
    });

    it("409 APPROVAL_NOT_PENDING once decided; a retry with the same decisionId is 200 duplicate", async () => {
      const once = decision({ decisionId: "ticket-4711" });
      expect((await answer(await webhook(signed(once)))).body.status).toBe("decided");
      for (let i = 0; i < 2; i++)
        expect(await answer(await webhook(signed(once)))).toEqual({
          status: 200,
          body: { status: "duplicate", workflowRunId: runId, stageId: "manager" },
        });
      const other = await answer(
        await webhook(signed(decision({ decision: "reject", by: "bob" }))),
      );
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ error: { code: "APPROVAL_NOT_PENDING" } });
      expect((await t.driver.runToCompletion(runId)).output).toMatchObject({
        status: "approved",
        by: "ann",
      });
    });

    it("413 for a body over the cap, declared or streamed", async () => {
      const big = JSON.stringify(decision({ comment: "x".repeat(70_000) }));
      expect(await answer(await webhook(signed(big)))).toEqual({
        status: 413,
        body: { error: { code: "BODY_TOO_LARGE", message: "the body is larger than 65536 bytes" } },
      });
      const chunk = new TextEncoder().encode("x".repeat(16_384));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 100) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const streamed = new Request(URL_, {
        method: "POST",
        body: stream,
        headers: { "X-Ratchet-Secret": SECRET },
        duplex: "half",
      } as RequestInit);
      expect((await webhook(streamed)).status).toBe(413);
      expect(sent).toBeLessThan(10); // stopped reading at the cap
      const small = make({ maxBodyBytes: 100 });
      expect((await small(signed(decision()))).status).toBe(413);
    });

    it("405 for anything but POST, with Allow", async () => {
      const response = await webhook(new Request(URL_, { method: "GET" }));
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    });

    it("503 when the kernel lacks the run's workflow definition", async () => {
      const other = createTestKernel({
        workflows: [],
        persistence: t.persistence,
        jobTransport: t.jobTransport,
        scheduler: t.scheduler,
        blobStore: t.blobStore,
        queries: t.queries,
      });
      const elsewhere = createApprovalWebhook({
        kernel: other.kernel,
        secret: SECRET,
        now: () => NOW,
      });
      const { status, body } = await answer(await elsewhere(signed(decision())));
      expect(status).toBe(503);
      expect(body).toMatchObject({ error: { code: "DEFINITION_UNAVAILABLE" } });
      expect(JSON.stringify(body)).not.toContain("refund");
    });

    it("500 says nothing of its cause, which goes to onError", async () => {
      const onError = vi.fn();
      const failing = createApprovalWebhook({
        dispatch: async () => {
          throw new Error("connect ECONNREFUSED 10.0.0.7:5432 (user ratchet, password hunter2)");
        },
        secret: SECRET,
        now: () => NOW,
        onError: (error) => {
          onError(error);
          throw new Error("the logger fails too");
        },
      });
      const response = await failing(signed(decision()));
      expect(await answer(response)).toEqual({
        status: 500,
        body: { error: { code: "INTERNAL_ERROR", message: "the decision could not be recorded" } },
      });
      expect(onError).toHaveBeenCalledOnce();
      expect(String(onError.mock.calls[0]?.[0])).toContain("hunter2");
    });
  });

  it("refuses options it cannot work with: INVALID_OPTIONS naming the field", () => {
    const base = { kernel: t.kernel, secret: SECRET };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ secret: "" }, "secret"],
      [{ secret: [] }, "secret"],
      [{ kernel: undefined }, "kernel"],
      [{ accept: [] }, "accept"],
      [{ maxBodyBytes: 0 }, "maxBodyBytes"],
      [{ signatureToleranceMs: -1 }, "signatureToleranceMs"],
    ];
    for (const [patch, field] of cases)
      expect(() => createApprovalWebhook({ ...base, ...patch } as ApprovalWebhookOptions)).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS", field }),
      );
  });

  it("imports no Node module (it runs in Workers and Lambda as in Node)", () => {
    const dir = join(import.meta.dirname, "..", "src", "approval-webhook");
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), "utf8");
      expect(text, file).not.toMatch(/from\s+"node:|require\(/);
      for (const [, spec] of text.matchAll(/from\s+"([^"]+)"/g))
        expect(spec?.startsWith(".") || spec === "@ratchet/kernel", `${file}: ${spec}`).toBe(true);
    }
  });
});
