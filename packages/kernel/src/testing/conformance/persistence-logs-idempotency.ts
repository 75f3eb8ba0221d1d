/** Persistence conformance: log lines and idempotency keys. */
import { expect, it } from "vitest";
import type { LogRecord } from "../../records.js";
import { buildRun, type PersistenceFixture } from "./persistence-fixture.js";
import { at, sampleJson, uniqueId } from "./shared.js";

/** Registers the log tests. */
export function logTests(fixture: () => PersistenceFixture): void {
  it("appendLogs and listLogs round-trip every field, oldest first, per run", async () => {
    const { persistence, backdoor, queries } = fixture();
    const run = await persistence.createRun(buildRun());
    const other = await persistence.createRun(buildRun());
    const log = (createdAtMs: number, fields: Partial<LogRecord>): LogRecord => ({
      id: uniqueId("log"),
      runId: run.id,
      stageId: null,
      level: "info",
      message: `at ${createdAtMs}`,
      data: null,
      createdAt: at(createdAtMs),
      ...fields,
    });
    const late = log(3_000, { level: "error", stageId: "parse", data: sampleJson() });
    const early = log(1_000, { level: "debug" });
    const middle = log(2_000, { level: "warn", stageId: "fetch", data: ["a", 1, null] });
    await persistence.appendLogs([late, early]);
    await persistence.appendLogs([middle, { ...log(0, {}), runId: other.id }]);

    const listed = await queries.listLogs(run.id);
    expect(listed).toEqual([early, middle, late]);
    expect(listed.every((line) => line.createdAt instanceof Date)).toBe(true);
    if (backdoor) expect(await backdoor.readLogs(run.id)).toEqual([early, middle, late]);
    expect(await queries.listLogs(uniqueId("missing"))).toEqual([]);
  });
}

/** Registers the idempotency-key tests. */
export function idempotencyTests(fixture: () => PersistenceFixture): void {
  it("acquireIdempotencyKey acquires a new key and reports in_progress while it is held", async () => {
    const { persistence, backdoor } = fixture();
    const key = uniqueId("key");
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(0))).toEqual({
      status: "acquired",
    });
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(1))).toEqual({
      status: "in_progress",
    });
    if (backdoor) {
      expect(await backdoor.readIdempotencyKey(key, "run.create")).toEqual({
        status: "in_progress",
        result: null,
      });
    }
  });

  it("completeIdempotencyKey makes later acquires replay the result", async () => {
    const { persistence, backdoor } = fixture();
    const key = uniqueId("key");
    const result = { runId: uniqueId("run"), details: sampleJson() };
    await persistence.acquireIdempotencyKey(key, "run.create", at(0));
    await persistence.completeIdempotencyKey(key, "run.create", result);
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(1))).toEqual({
      status: "replay",
      result,
    });
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(2))).toEqual({
      status: "replay",
      result,
    });
    if (backdoor) {
      expect(await backdoor.readIdempotencyKey(key, "run.create")).toEqual({
        status: "completed",
        result,
      });
    }

    const nullKey = uniqueId("key");
    await persistence.acquireIdempotencyKey(nullKey, "run.cancel", at(0));
    await persistence.completeIdempotencyKey(nullKey, "run.cancel", null);
    expect(await persistence.acquireIdempotencyKey(nullKey, "run.cancel", at(1))).toEqual({
      status: "replay",
      result: null,
    });
  });

  it("idempotency keys are scoped by command type", async () => {
    const { persistence } = fixture();
    const key = uniqueId("key");
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(0))).toEqual({
      status: "acquired",
    });
    expect(await persistence.acquireIdempotencyKey(key, "run.cancel", at(0))).toEqual({
      status: "acquired",
    });
    await persistence.completeIdempotencyKey(key, "run.cancel", "cancelled");
    expect(await persistence.acquireIdempotencyKey(key, "run.create", at(1))).toEqual({
      status: "in_progress",
    });
    expect(await persistence.acquireIdempotencyKey(key, "run.cancel", at(1))).toEqual({
      status: "replay",
      result: "cancelled",
    });
  });

  it("concurrent acquires of one key hand it to exactly one caller", async () => {
    const { persistence } = fixture();
    const key = uniqueId("key");
    const results = await Promise.all(
      Array.from({ length: 8 }, () => persistence.acquireIdempotencyKey(key, "run.create", at(0))),
    );
    expect(results.filter((result) => result.status === "acquired")).toHaveLength(1);
    expect(results.filter((result) => result.status === "in_progress")).toHaveLength(7);
  });
}
