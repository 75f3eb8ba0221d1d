/**
 * The signal and approval commands in process, without a database: help, usage errors, the
 * default `--by`, and how `status` shows a parent, a waiting stage and children.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeValue } from "@ratchet/kernel";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { renderRunDetails, runJson } from "../src/render/run-details.js";
import { createStyle } from "../src/render/style.js";
import { currentUser } from "../src/runtime/current-user.js";
import { fakeIo } from "./support/fake-stream.js";
import { at, runRecord, stageRecord } from "./support/records.js";

const dir = mkdtempSync(join(tmpdir(), "ratchet-cli-waits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = fakeIo({ cwd: dir, env });
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe("signal, approve, reject, approvals: help and usage", () => {
  it("are listed by --help", async () => {
    const { stdout } = await run(["--help"]);
    for (const name of ["signal", "approve", "reject", "approvals"])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  it("signal --help shows both forms and the exit codes", async () => {
    const { code, stdout } = await run(["signal", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "Usage: ratchet signal <runId> <name> [options]\n       ratchet signal --key <key> <name> [--workflow <workflowId>] [options]\n",
    );
    for (const option of [
      "--payload <json>",
      "--key <key>",
      "--workflow <workflowId>",
      "--id <signalId>",
    ])
      expect(stdout).toContain(option);
    expect(stdout).toMatch(/^ {2}1 {2}error \[CODE\]: RUN_NOT_FOUND, RUN_ENDED, UNKNOWN_SIGNAL/m);
  });

  it("approve --help says where --by comes from by default", async () => {
    const { stdout } = await run(["approve", "--help"]);
    expect(stdout).toContain("Usage: ratchet approve <runId> <step> [options]");
    expect(stdout).toMatch(
      /--by <name> .*\(default: \$USER, else the login name \(os\.userInfo\(\)\.username\)\)/,
    );
    expect(stdout).toMatch(/^ {2}1 {2}error \[CODE\]: .*NOT_AN_APPROVER, APPROVAL_NOT_PENDING$/m);
    expect((await run(["reject", "--help"])).stdout).toContain("--comment <text>");
  });

  it("an empty --by is a usage error before the database is opened", async () => {
    const { code, stderr } = await run(["approve", "run-1", "manager", "--by="]);
    expect(code).toBe(2);
    expect(stderr).toContain("error [USAGE]: --by is empty and the current user is unknown");
    const missing = await run(["reject", "run-1"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error [USAGE]: missing <step> for "ratchet reject"');
  });
});

describe("currentUser", () => {
  const noOsUser = () => {
    throw new Error("no passwd entry");
  };

  it("is $USER, else $USERNAME, else the OS login name", () => {
    expect(currentUser({ USER: "ann", USERNAME: "bob" }, () => "carol")).toBe("ann");
    expect(currentUser({ USERNAME: "bob" }, () => "carol")).toBe("bob");
    expect(currentUser({ USER: " " }, () => "carol")).toBe("carol");
  });

  it("is undefined when nothing says", () => {
    expect(currentUser({}, noOsUser)).toBeUndefined();
    expect(currentUser({}, () => "")).toBeUndefined();
  });
});

describe("status of a run with a parent, waits and children", () => {
  const style = createStyle(false);
  const run = runRecord("run-2", { workflowId: "fulfil", parentRunId: "run-1" });
  const waiting = (stageId: string, wait: Record<string, unknown>) =>
    stageRecord("run-2", stageId, {
      status: "SUSPENDED",
      attempt: 1,
      suspendedState: encodeValue({ input: {}, wait }, "state"),
    });
  const stages = [
    waiting("paid", { kind: "signal", name: "payment", matchKey: "o-7", timeoutAt: at(60_000) }),
    waiting("manager", {
      kind: "approval",
      name: "approval:manager",
      matchKey: null,
      timeoutAt: null,
    }),
    waiting("ship", {
      kind: "child",
      name: "child:run-3",
      matchKey: null,
      timeoutAt: null,
      childRunId: "run-3",
    }),
  ];
  const children = {
    runs: [runRecord("run-3", { workflowId: "shipment", parentRunId: "run-2" })],
    more: true,
  };

  it("shows the parent line, each wait under its stage, and the children", () => {
    const lines = renderRunDetails(
      run,
      stages,
      style,
      ["paid", "manager", "ship"],
      undefined,
      children,
    );
    expect(lines[1]).toBe("parent    run-1");
    expect(lines).toContain(
      '             waits for signal "payment" (key o-7) until 2026-01-01 00:01:00Z',
    );
    expect(lines).toContain("             waits for an approval (ratchet approve run-2 manager)");
    expect(lines).toContain("             waits for child run run-3");
    expect(lines.slice(lines.indexOf("children"))).toEqual([
      "children",
      "  … run-3  shipment  RUNNING",
      "  … and more (the newest 1 are shown)",
    ]);
  });

  it("has the same in JSON", () => {
    const json = runJson(run, stages, ["paid", "manager", "ship"], undefined, children) as {
      run: Record<string, unknown>;
      stages: Array<Record<string, unknown>>;
      children: Array<Record<string, unknown>>;
      moreChildren: boolean;
    };
    expect(json.run.parentRunId).toBe("run-1");
    expect(json.stages.map((s) => s.wait)).toEqual([
      {
        kind: "signal",
        name: "payment",
        key: "o-7",
        timeoutAt: at(60_000),
        childRunId: null,
        map: null,
        resolved: false,
      },
      {
        kind: "approval",
        name: "approval:manager",
        key: null,
        timeoutAt: null,
        childRunId: null,
        map: null,
        resolved: false,
      },
      {
        kind: "child",
        name: "child:run-3",
        key: null,
        timeoutAt: null,
        childRunId: "run-3",
        map: null,
        resolved: false,
      },
    ]);
    expect(json.children).toEqual([
      {
        id: "run-3",
        workflowId: "shipment",
        status: "RUNNING",
        createdAt: at(0),
        completedAt: null,
      },
    ]);
    expect(json.moreChildren).toBe(true);
  });

  it("shows nothing of the kind for a run that started on its own and waits for nothing", () => {
    const alone = runRecord("run-9");
    const lines = renderRunDetails(alone, [stageRecord("run-9", "fetch")], style);
    expect(lines.join("\n")).not.toMatch(/parent|waits for|children/);
    expect(runJson(alone, [])).not.toHaveProperty("children");
  });
});
