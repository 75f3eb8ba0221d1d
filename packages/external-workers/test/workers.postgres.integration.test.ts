/**
 * External workers on real processes: the reference Python worker
 * (examples/workers/python/ratchet_worker.py) against a Node host on PostgreSQL whose stage
 * runner is the external worker gateway. Workers record each execution in a ledger file.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type PythonWorker, startPythonWorker } from "./support/python-workers.js";
import { call, LEASE_MS, outputOf, type Setup, setUp, TOKEN } from "./support/setup.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("external workers: Python worker processes against a Node host on PostgreSQL", () => {
  let s: Setup;
  const workers: PythonWorker[] = [];
  const python = (workerId: string) => {
    const worker = startPythonWorker({ url: s.url, token: TOKEN, workerId, ledger: s.ledger });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    s = await setUp("ext_workers");
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await s?.close();
  });

  it("a Python worker completes runs; its logs and progress reach the run", async () => {
    const worker = python("py-1");
    const ids = await Promise.all(["ada", "bob", "cy"].map((n) => s.createRun("ext-greet", n)));
    for (const [i, id] of ids.entries()) {
      const run = await s.untilDone(id);
      expect(run.status, worker.output()).toBe("COMPLETED");
      expect(outputOf(run)).toEqual({
        greeting: `hello ${["ada", "bob", "cy"][i]}`,
        by: "py-1",
      });
      expect(s.starts(id)).toHaveLength(1);
      const stage = await s.stack.persistence.getStage(id, "greet");
      expect(stage?.status).toBe("COMPLETED");
      expect(stage?.attempt).toBe(1);
      expect(stage?.progress).toMatchObject({ progress: 50, message: "halfway" });
    }
    const logs = await s.stack.prisma.$queryRawUnsafe<{ message: string }[]>(
      `SELECT message FROM ratchet_logs WHERE message = 'greeting from python'`,
    );
    expect(logs).toHaveLength(3);
  });

  it("a failure reported by the worker is retried as the stage allows, or not when not retryable", async () => {
    const worker = python("py-fail");
    const flaky = await s.createRun("ext-flaky", "fay");
    const broken = await s.createRun("ext-broken", "bo");
    const done = await s.untilDone(flaky);
    expect(done.status, worker.output()).toBe("COMPLETED");
    expect((await s.stack.persistence.getStage(flaky, "greet"))?.attempt).toBe(2);
    expect(s.starts(flaky)).toHaveLength(2);
    const failed = await s.untilDone(broken);
    expect(failed.status).toBe("FAILED");
    expect(s.starts(broken)).toHaveLength(1);
    const stage = await s.stack.persistence.getStage(broken, "greet");
    expect(stage?.status).toBe("FAILED");
    expect(stage?.error).toMatchObject({ message: "cannot greet bo", code: "BAD_INPUT" });
  });

  it("a worker SIGKILLed mid-job: another claims it after the lease, the stage commits once", async () => {
    const victim = python("victim");
    const id = await s.createRun("ext-hang", "kim");
    const deadline = Date.now() + 20_000;
    while (s.starts(id).length === 0) {
      if (Date.now() > deadline) throw new Error(`never started:\n${victim.output()}`);
      await sleep(50);
    }
    // It heartbeats while it hangs: past several leases, nobody else has the job.
    await sleep(2 * LEASE_MS);
    expect(s.starts(id)).toEqual([`start ${id} victim`]);
    victim.child.kill("SIGKILL");
    await victim.exited;
    const rescuer = python("rescuer");
    const run = await s.untilDone(id);
    expect(run.status, rescuer.output()).toBe("COMPLETED");
    expect(outputOf(run)).toEqual({ greeting: "hello kim", by: "rescuer" });
    expect(s.starts(id)).toEqual([`start ${id} victim`, `start ${id} rescuer`]);
    const stages = await s.stack.persistence.listStages(id);
    expect(stages.filter((st) => st.stageId === "greet").map((st) => st.status)).toEqual([
      "COMPLETED",
    ]);
    // The host's own attempt was not burned: the worker's lease is the gateway's.
    expect(stages[0]?.attempt).toBe(1);
    expect(s.warnings.some((w) => w.includes('worker "victim" lost the lease'))).toBe(true);
  });

  it("a run cancelled while a Python worker holds its job: the worker's heartbeat is refused", async () => {
    const worker = python("cancelled");
    const id = await s.createRun("ext-hang", "cy");
    const deadline = Date.now() + 20_000;
    while (s.starts(id).length === 0) {
      if (Date.now() > deadline) throw new Error(`never started:\n${worker.output()}`);
      await sleep(50);
    }
    await s.kernel.dispatch({ type: "run.cancel", workflowRunId: id, reason: "test" });
    expect((await s.untilDone(id)).status).toBe("CANCELLED");
    const until = Date.now() + 10_000;
    while (!worker.output().includes("LEASE_LOST")) {
      if (Date.now() > until) throw new Error(`heartbeat never refused:\n${worker.output()}`);
      await sleep(50);
    }
    expect(s.gateway.pending).toBe(0);
  });

  it("a worker completing after its lease was lost is refused (409 LEASE_LOST) and changes nothing", async () => {
    const id = await s.createRun("ext-manual", "lee");
    const claimed = await call(s.url, "/v1/claim", {
      protocolVersion: 1,
      workerId: "late",
      tasks: ["manual"],
      waitMs: 15_000,
    });
    expect(claimed.status).toBe(200);
    const job = claimed.body.job as { jobId: string; leaseToken: string; workflowRunId: string };
    expect(job.workflowRunId).toBe(id);
    await sleep(LEASE_MS + 500);
    const path = (action: string) => `/v1/jobs/${job.jobId}/${action}`;
    const late = await call(s.url, path("complete"), {
      leaseToken: job.leaseToken,
      output: { greeting: "late", by: "late" },
    });
    expect(late.status).toBe(409);
    expect((late.body.error as { code: string }).code).toBe("LEASE_LOST");
    expect((await call(s.url, path("heartbeat"), { leaseToken: job.leaseToken })).status).toBe(409);
    // Another worker gets the job under a new token and completes it.
    const again = await call(s.url, "/v1/claim", {
      workerId: "second",
      tasks: ["manual"],
      waitMs: 15_000,
    });
    const second = again.body.job as { jobId: string; leaseToken: string };
    expect(second.jobId).toBe(job.jobId);
    expect(second.leaseToken).not.toBe(job.leaseToken);
    const done = await call(s.url, `/v1/jobs/${second.jobId}/complete`, {
      leaseToken: second.leaseToken,
      output: { greeting: "hello lee", by: "second" },
    });
    expect(done.status).toBe(200);
    const run = await s.untilDone(id);
    expect(outputOf(run)).toEqual({ greeting: "hello lee", by: "second" });
    // Later still: refused, and the committed output stays.
    const after = await call(s.url, path("complete"), {
      leaseToken: job.leaseToken,
      output: { greeting: "late", by: "late" },
    });
    expect(after.status).toBe(409);
    expect(outputOf((await s.stack.persistence.getRun(id)) as typeof run)).toEqual({
      greeting: "hello lee",
      by: "second",
    });
  });

  it("the shell example (curl + jq) completes a run", async () => {
    const id = await s.createRun("ext-greet", "sh");
    const script = join(
      import.meta.dirname,
      "..",
      "..",
      "..",
      "examples",
      "workers",
      "shell",
      "worker.sh",
    );
    // The worker serves jobs until stopped: on a loaded machine a heartbeat can come later
    // than the gateway's short test lease (1.5 s), and the attempt then goes to the next claim
    // (the worker's own next one) instead of ending the run — a worker told to take one job
    // would have exited with the run still waiting.
    const child = spawn(
      "bash",
      [script, "greet", `jq -c '{greeting: ("hello " + .name), by: "shell"}'`],
      {
        env: { ...process.env, RATCHET_URL: s.url, RATCHET_TOKEN: TOKEN },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      const run = await s.untilDone(id);
      expect(run.status, output).toBe("COMPLETED");
      expect(outputOf(run)).toEqual({ greeting: "hello sh", by: "shell" });
    } finally {
      // The script, its curl and its heartbeat loop: the whole process group.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    expect(s.gateway.pending).toBe(0);
  });

  it("a bad or missing token is refused with 401 and logged", async () => {
    const before = s.warnings.length;
    const bad = await call(s.url, "/v1/claim", { workerId: "x", tasks: ["greet"] }, "wrong-token");
    expect(bad.status).toBe(401);
    expect((bad.body.error as { code: string }).code).toBe("UNAUTHORIZED");
    const none = await fetch(`${s.url}/v1/claim`, { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    const logged = s.warnings.slice(before);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain("refused POST /v1/claim");
    expect(logged[0]).not.toContain("wrong-token");
  });

  it("an oversized body is refused with 413, whether declared or streamed", async () => {
    const big = await call(s.url, "/v1/claim", {
      workerId: "x",
      tasks: ["greet"],
      pad: "x".repeat(100 * 1024),
    });
    expect(big.status).toBe(413);
    expect((big.body.error as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
    const streamed = await fetch(`${s.url}/v1/claim`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(16 * 1024).fill(32));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it("slow workers (one never answering its job, one never finishing its request) do not block others", async () => {
    // A connection that sends half its headers and then nothing.
    const stalled = connect(Number(new URL(s.url).port), "127.0.0.1");
    stalled.write("POST /v1/claim HTTP/1.1\r\nHost: x\r\n");
    stalled.on("error", () => {});
    stalled.resume();
    // A worker that claims a job and never heartbeats nor answers.
    const first = await s.createRun("ext-greet", "slow");
    const hung = await call(s.url, "/v1/claim", {
      workerId: "hung",
      tasks: ["greet"],
      waitMs: 15_000,
    });
    expect((hung.body.job as { workflowRunId: string }).workflowRunId).toBe(first);
    const started = Date.now();
    python("py-fast");
    const others = await Promise.all(["a", "b", "c"].map((n) => s.createRun("ext-greet", n)));
    for (const id of others) expect((await s.untilDone(id, 15_000)).status).toBe("COMPLETED");
    const othersMs = Date.now() - started;
    // The hung worker's job goes to the Python worker after its lease.
    const run = await s.untilDone(first);
    expect(outputOf(run)).toEqual({ greeting: "hello slow", by: "py-fast" });
    expect(othersMs).toBeLessThan(10_000);
    // The half-sent request was cut off by the headers timeout.
    await new Promise<void>((resolve) => {
      if (stalled.destroyed) resolve();
      else stalled.once("close", () => resolve());
    });
  });
});
