/** `ratchet runs`' listing: pages of `RunQueries.listRuns`, newest first, continued by cursor. */
import type { RunQueries } from "@ratchet/kernel";
import { encodeRunCursor } from "@ratchet/kernel/adapter";
import { createInMemoryStack } from "@ratchet/kernel/in-memory";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/errors.js";
import { checkCursorOption, listRecentRuns } from "../src/db/recent-runs.js";
import { at } from "./support/records.js";

/** An in-memory stack with `count` runs, one second apart (`run-1` oldest); every third FAILED. */
async function stackWithRuns(count: number) {
  const stack = createInMemoryStack();
  for (let i = 1; i <= count; i++) {
    const id = `run-${String(i).padStart(2, "0")}`;
    await stack.persistence.createRun({
      id,
      workflowId: i % 2 === 0 ? "even" : "odd",
      workflowVersion: "1",
      fingerprint: "",
      priority: 0,
      input: {},
      config: {},
      metadata: {},
      idempotencyKey: null,
      eventSeq: 0,
      createdAt: at(i * 1_000),
    });
    if (i % 3 === 0)
      await stack.persistence.updateRun(id, { status: "FAILED" }, { now: at(i * 1_000) });
  }
  return stack;
}

const ids = (runs: ReadonlyArray<{ id: string }>) => runs.map((run) => run.id);

describe("listRecentRuns", () => {
  it("lists the newest runs first, then the next ones from the cursor, with filters", async () => {
    const { queries } = await stackWithRuns(7);
    const first = await listRecentRuns(queries, { limit: 3 });
    expect(ids(first.runs)).toEqual(["run-07", "run-06", "run-05"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await listRecentRuns(queries, {
      limit: 3,
      cursor: first.nextCursor as string,
    });
    expect(ids(second.runs)).toEqual(["run-04", "run-03", "run-02"]);
    const last = await listRecentRuns(queries, { limit: 3, cursor: second.nextCursor as string });
    expect(ids(last.runs)).toEqual(["run-01"]);
    expect(last.nextCursor).toBeNull();

    const failed = await listRecentRuns(queries, { limit: 20, status: "FAILED" });
    expect(ids(failed.runs)).toEqual(["run-06", "run-03"]);
    const even = await listRecentRuns(queries, { limit: 2, workflowId: "even" });
    expect(ids(even.runs)).toEqual(["run-06", "run-04"]);
  });

  it("keeps asking while pages come back short but lead on (an adapter skipped unreadable runs)", async () => {
    const { queries } = await stackWithRuns(6);
    const unreadable = new Set(["run-05", "run-04"]);
    const asked: number[] = [];
    const skipping: RunQueries = {
      ...queries,
      async listRuns(query) {
        asked.push(query?.limit ?? 0);
        const page = await queries.listRuns(query);
        return { ...page, runs: page.runs.filter((run) => !unreadable.has(run.id)) };
      },
    };
    const listed = await listRecentRuns(skipping, { limit: 3 });
    expect(ids(listed.runs)).toEqual(["run-06", "run-03", "run-02"]);
    expect(asked).toEqual([3, 2]);
    const rest = await listRecentRuns(skipping, { limit: 3, cursor: listed.nextCursor as string });
    expect(ids(rest.runs)).toEqual(["run-01"]);
    expect(rest.nextCursor).toBeNull();
  });
});

describe("listRecentRuns in a creation-time window, by parent, in several statuses", () => {
  it("--until starts at the time, --since stops at it, and says more only inside the window", async () => {
    const { queries } = await stackWithRuns(9);
    const window = { since: at(3_000), until: at(6_000) };
    const all = await listRecentRuns(queries, { limit: 20, ...window });
    expect(ids(all.runs)).toEqual(["run-06", "run-05", "run-04", "run-03"]);
    expect(all.nextCursor).toBeNull();
    const first = await listRecentRuns(queries, { limit: 2, ...window });
    expect(ids(first.runs)).toEqual(["run-06", "run-05"]);
    const rest = await listRecentRuns(queries, {
      limit: 2,
      ...window,
      cursor: first.nextCursor as string,
    });
    expect(ids(rest.runs)).toEqual(["run-04", "run-03"]);
    // run-02 is next in the list but outside the window: no "more".
    expect(rest.nextCursor).toBeNull();
    const failed = await listRecentRuns(queries, { limit: 20, status: ["FAILED"], ...window });
    expect(ids(failed.runs)).toEqual(["run-06", "run-03"]);
  });

  it("filters by several statuses and by parent run", async () => {
    const { persistence, queries } = await stackWithRuns(6);
    await persistence.updateRun("run-02", { status: "CANCELLED" }, { now: at(9_000) });
    const listed = await listRecentRuns(queries, { limit: 20, status: ["FAILED", "CANCELLED"] });
    expect(ids(listed.runs)).toEqual(["run-06", "run-03", "run-02"]);
    await persistence.createRun({
      id: "child-1",
      workflowId: "odd",
      workflowVersion: "1",
      fingerprint: "",
      priority: 0,
      input: {},
      config: {},
      metadata: {},
      idempotencyKey: null,
      eventSeq: 0,
      parentRunId: "run-01",
      createdAt: at(10_000),
    });
    const children = await listRecentRuns(queries, { limit: 20, parentRunId: "run-01" });
    expect(ids(children.runs)).toEqual(["child-1"]);
  });
});

describe("checkCursorOption", () => {
  it("passes a cursor through and refuses a malformed one as a usage error naming --cursor", () => {
    const cursor = encodeRunCursor({ id: "run-01", createdAt: at(1_000) });
    expect(checkCursorOption(cursor)).toBe(cursor);
    expect(checkCursorOption(undefined)).toBeUndefined();
    expect(() => checkCursorOption("page-2")).toThrow(UsageError);
    expect(() => checkCursorOption("page-2")).toThrow(
      expect.objectContaining({ code: "USAGE", field: "--cursor" }),
    );
  });
});
