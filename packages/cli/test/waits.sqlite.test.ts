/**
 * `signal`, `approve`, `reject`, `approvals` and what `status` shows of waits, parents and
 * children — the built CLI as a child process on an SQLite file holding runs of the waiting
 * fixture workflows (test/fixtures/waits.mjs), each brought to its wait by a kernel here.
 */
import { tmpdir } from "node:os";
import { type AnyWorkflow, decodeValue } from "@ratchet/kernel";
import { createSqliteStack } from "@ratchet/prisma";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { fixture, fixtureWorkflows } from "./support/order-runs.js";
import { type SeededRuns, seedWaitingRuns } from "./support/wait-runs.js";

const WORKFLOWS = fixture("waits.mjs");

describe("signals and approvals (child process, SQLite)", () => {
  const db = createSqliteFile("cli-waits");
  let runs: SeededRuns;
  /** `ratchet <args>` on the database, with the fixture workflows registered. */
  const cli = (...args: string[]) =>
    runCli([...args, "--database-url", db.url, "--workflows", WORKFLOWS], { cwd: tmpdir() });
  /** `ratchet <args>` on the database, with the built-in workflows only. */
  const bare = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, "--database-url", db.url], { cwd: tmpdir(), env });
  const first = (workflowId: string, index = 0) => runs[workflowId]?.[index] ?? "";
  const statusOf = async (runId: string) =>
    JSON.parse((await cli("status", runId, "--json")).stdout);
  /**
   * A run's status and output as stored, read in this process: what a command did to it. (The
   * first test holds `status` to what it shows; a child process per read cost ~1 s of CPU.)
   */
  const stored = async (runId: string) => {
    const stack = await createSqliteStack({ file: db.file });
    try {
      const run = await stack.persistence.getRun(runId);
      return { status: run?.status, output: decodeValue(run?.output ?? null) };
    } finally {
      await stack.close();
    }
  };
  /** The ids of a run's child runs, as stored. */
  const childrenOf = async (runId: string) => {
    const stack = await createSqliteStack({ file: db.file });
    try {
      const rows = await stack.prisma.$queryRawUnsafe<{ id: string }[]>(
        "SELECT id FROM ratchet_runs WHERE parent_run_id = ?",
        runId,
      );
      return rows.map((row) => row.id);
    } finally {
      await stack.close();
    }
  };

  beforeAll(async () => {
    const workflows: AnyWorkflow[] = await fixtureWorkflows("waits.mjs");
    const stack = await createSqliteStack({ file: db.file });
    try {
      runs = await seedWaitingRuns(stack, workflows, [
        ["refund", { amount: 150 }],
        ["refund", { amount: 300 }],
        ["refund", { amount: 120 }],
        ["payment", { orderId: "o-1" }],
        ["payment", { orderId: "o-2" }],
        ["fulfil", { orderId: "o-7" }],
      ]);
    } finally {
      await stack.close();
    }
  });
  afterAll(() => db.cleanup());

  it("status shows what each waiting stage waits for, the parent link and the children", async () => {
    const parentId = first("fulfil");
    const parent = await statusOf(parentId);
    expect(parent.run.parentRunId).toBeNull();
    expect(parent.children).toHaveLength(1);
    const childId = parent.children[0].id as string;
    expect(parent.children[0]).toMatchObject({ workflowId: "shipment", status: "RUNNING" });
    expect(parent.moreChildren).toBe(false);
    expect(parent.stages[0]).toMatchObject({
      stageId: "ship",
      status: "SUSPENDED",
      wait: { kind: "child", name: `child:${childId}`, childRunId: childId, resolved: false },
    });

    const child = await statusOf(childId);
    expect(child.run.parentRunId).toBe(parentId);
    expect(child.children).toEqual([]);
    expect(child.stages[0].wait).toMatchObject({
      kind: "signal",
      name: "delivered",
      key: "o-7",
      timeoutAt: null,
    });

    const parentText = (await cli("status", parentId, "--no-color")).stdout;
    expect(parentText).not.toMatch(/^parent /m);
    expect(parentText).toContain(`waits for child run ${childId}`);
    expect(parentText).toMatch(
      new RegExp(`^children\\n {2}… ${childId} {2}shipment {2}RUNNING$`, "m"),
    );
    const childText = (await cli("status", childId, "--no-color")).stdout;
    expect(childText).toMatch(new RegExp(`^parent {4}${parentId}$`, "m"));
    expect(childText).toContain('waits for signal "delivered" (key o-7)');
    expect(childText).not.toContain("children");

    const payment = (await cli("status", first("payment"), "--no-color")).stdout;
    expect(payment).toMatch(/waits for signal "payment" until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
    const refund = (await cli("status", first("refund"), "--no-color")).stdout;
    expect(refund).toContain(
      `waits for an approval, expires ${refund.match(/expires (\S+ \S+Z)/)?.[1]} (ratchet approve ${first("refund")} manager)`,
    );
  });

  it("approvals lists the pending approvals with title and approvers", async () => {
    const listed = await cli("approvals", "--json");
    expect(listed.code).toBe(0);
    const { approvals, nextCursor } = JSON.parse(listed.stdout);
    expect(nextCursor).toBeNull();
    expect(approvals.map((a: { workflowRunId: string }) => a.workflowRunId).sort()).toEqual(
      [...(runs.refund ?? [])].sort(),
    );
    expect(approvals[0]).toMatchObject({
      workflowId: "refund",
      stageId: "manager",
      title: "Refund over 100 EUR",
      approvers: ["ann", "bob"],
      waitingSince: expect.any(String),
      expiresAt: expect.any(String),
    });

    const table = (await cli("approvals", "--run", first("refund"), "--no-color")).stdout;
    const [header, row, ...rest] = table.trimEnd().split("\n");
    expect(header).toMatch(/^RUN\s+WORKFLOW\s+STEP\s+TITLE\s+APPROVERS\s+WAITING SINCE\s+EXPIRES$/);
    expect(row).toMatch(
      new RegExp(
        `^${first("refund")}\\s+refund\\s+manager\\s+Refund over 100 EUR\\s+ann, bob\\s+\\S+ \\S+Z\\s+\\S+ \\S+Z$`,
      ),
    );
    expect(rest).toEqual([]);

    // Without the run's workflow registered, the step's title and approvers are unknown.
    const unknown = (await bare(["approvals", "--run", first("refund"), "--no-color"])).stdout;
    expect(unknown).toMatch(/refund\s+manager\s+-\s+-\s+/);
    const paged = JSON.parse((await cli("approvals", "--json", "--limit", "1")).stdout);
    expect(paged.approvals).toHaveLength(1);
    const more = (await cli("approvals", "--limit", "1", "--no-color")).stdout;
    // The cursor holds a `|`, so the command quotes it for the shell.
    expect(more.trimEnd().split("\n").at(-1)).toBe(
      `more: ratchet approvals --limit 1 --cursor '${paged.nextCursor}'`,
    );
    const next = await cli("approvals", "--json", "--limit", "1", "--cursor", paged.nextCursor);
    const second = JSON.parse(next.stdout).approvals;
    expect(second).toHaveLength(1);
    expect(second[0].workflowRunId).not.toBe(paged.approvals[0].workflowRunId);
  });

  it("approve decides as --by (default $USER); errors are typed, one line, exit 1", async () => {
    const runId = first("refund");
    const decide = (...args: string[]) => cli("approve", runId, "manager", ...args);

    const stranger = await decide("--by", "mallory");
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toBe(
      `error [NOT_AN_APPROVER]: "mallory" may not decide approval "manager" (approvers: ann, bob) (field: by, run: ${runId}, stage: manager)\n`,
    );

    const approved = await runCli(
      [
        "approve",
        runId,
        "manager",
        "--database-url",
        db.url,
        "--workflows",
        WORKFLOWS,
        "--no-color",
      ],
      { cwd: tmpdir(), env: { USER: "ann" } },
    );
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(`approved step manager of run ${runId} as ann\n`);
    const run = await stored(runId);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toMatchObject({ status: "approved", by: "ann", comment: null });

    const again = await decide("--by", "bob");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^error \[APPROVAL_NOT_PENDING\]: approval "manager" of run .+ is not waiting for a decision \(run: .+, stage: manager\)\n$/,
    );

    const missingStep = await cli("approve", first("refund", 1), "boss", "--by", "ann");
    expect(missingStep.code).toBe(1);
    expect(missingStep.stderr).toContain('error [STAGE_NOT_FOUND]: stage "boss" does not exist');
    const notApproval = await cli("approve", first("payment"), "paid", "--by", "ann");
    expect(notApproval.code).toBe(1);
    expect(notApproval.stderr).toContain("error [NOT_AN_APPROVAL]:");
    const noRun = await cli("approve", "no-such-run", "manager", "--by", "ann");
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toContain('error [RUN_NOT_FOUND]: run "no-such-run" does not exist');
  });

  it("reject records the comment; a repeated --id is a duplicate; --json", async () => {
    const runId = first("refund", 1);
    const reject = (...args: string[]) =>
      cli("reject", runId, "manager", "--by", "bob", "--comment", "over budget", ...args);
    const first_ = await reject("--id", "ticket-1", "--json");
    expect(first_.code).toBe(0);
    expect(JSON.parse(first_.stdout)).toEqual({
      workflowRunId: runId,
      stageId: "manager",
      status: "decided",
      decision: "reject",
      by: "bob",
    });
    const repeat = await reject("--id", "ticket-1", "--no-color");
    expect(repeat.code).toBe(0);
    expect(repeat.stdout).toBe("duplicate: decision ticket-1 was taken before; nothing changed\n");
    expect((await stored(runId)).output).toMatchObject({
      status: "rejected",
      by: "bob",
      comment: "over budget",
    });
  });

  it("approve without the run's workflow registered is a usage error with a hint (exit 2)", async () => {
    const { code, stderr } = await bare(["approve", first("refund", 2), "manager", "--by", "ann"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^error \[USAGE\]: workflow "refund" version 1 of this run is not in the built-in workflows \(field: --workflows\)\nhint: .*--workflows <module>/,
    );
  });

  it("signal delivers to a waiting run, checks the payload, refuses ended runs", async () => {
    const runId = first("payment");
    const invalid = await cli("signal", runId, "payment", "--payload", '{"amount":"lots"}');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(invalid.stderr).toMatch(
      /^error \[INVALID_SIGNAL_PAYLOAD\]: signal "payment" for step "paid" is invalid: payload\.amount: .+ \(field: payload\.amount, workflow: payment, stage: paid\)$/m,
    );
    const unknown = await cli("signal", runId, "paymnet");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'error [UNKNOWN_SIGNAL]: no step of workflow "payment" waits for signal "paymnet" (it waits for: payment)',
    );
    const reserved = await cli("signal", runId, "approval:manager");
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toContain("error [RESERVED_SIGNAL_NAME]:");

    const sent = await cli(
      "signal",
      runId,
      "payment",
      "--payload",
      '{"amount":120,"currency":"EUR"}',
      "--no-color",
    );
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    const [line, id] = sent.stdout.trimEnd().split("\n");
    expect(line).toBe(`delivered signal "payment" to run ${runId}, step paid`);
    expect(id).toMatch(/^signal id \S+$/);
    const run = await stored(runId);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toMatchObject({
      received: true,
      payload: { amount: 120, currency: "EUR" },
    });

    const ended = await cli(
      "signal",
      runId,
      "payment",
      "--payload",
      '{"amount":1,"currency":"EUR"}',
    );
    expect(ended.code).toBe(1);
    expect(ended.stderr).toBe(
      `error [RUN_ENDED]: cannot signal a run that has ended (COMPLETED) (run: ${runId})\n`,
    );
    const missing = await cli("signal", "no-such-run", "payment");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error [RUN_NOT_FOUND]: run "no-such-run" does not exist');
  });

  it("signal --key reaches the child waiting for its key; --id makes a repeat a duplicate", async () => {
    const parentId = first("fulfil");
    const [childId] = await childrenOf(parentId);
    expect(childId).toBeDefined();
    const send = (...args: string[]) =>
      cli("signal", "--key", "o-7", "delivered", "--workflow", "shipment", ...args);
    const sent = await send("--id", "delivery-o-7", "--json");
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toEqual({
      signalId: "delivery-o-7",
      status: "delivered",
      workflowRunId: childId,
      stageId: "delivered",
    });
    const repeat = await send("--id", "delivery-o-7", "--quiet");
    expect(repeat).toMatchObject({ code: 0, stdout: "duplicate\n" });
    expect((await stored(childId as string)).status).toBe("COMPLETED");

    const nobody = await send("--no-color");
    expect(nobody.code).toBe(0);
    expect(nobody.stdout.split("\n")[0]).toBe(
      'buffered signal "delivered" with key o-7: no run waits for it yet; the first run to wait for it with this key takes it',
    );
  });

  it("signal's usage errors exit 2 before touching the database", async () => {
    const cases: Array<[string[], string]> = [
      [["signal", "--key", "o-1"], 'missing <name> for "ratchet signal --key"'],
      [["signal", "run-1", "payment", "--key", "o-1"], "with --key, give only the signal's name"],
      [["signal", "run-1", "payment", "--workflow", "payment"], "--workflow goes with --key"],
      [["signal", "run-1"], 'missing <name> for "ratchet signal"'],
      [["signal", "run-1", "payment", "--payload", "{nope"], "--payload is not valid JSON"],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(
        [...args, "--database-url", "postgresql://x@127.0.0.1:1/none"],
        {
          cwd: tmpdir(),
        },
      );
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toContain(`error [USAGE]: ${message}`);
    }
  });
});
