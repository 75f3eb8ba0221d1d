import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/index.js";
import { uuidv7Generator } from "../../src/internal/ids.js";
import type { StageCompletion } from "../../src/ports/stage-committer.js";
import { transactionalCommitter } from "../../src/ports/transactional-committer.js";
import { createInMemoryStack } from "../../src/testing/index.js";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe("transactionalCommitter.commitMany", () => {
  it("writes completions of one run in order in one transaction: the last closes the group", async () => {
    const stack = createInMemoryStack();
    const committer = transactionalCommitter({
      persistence: stack.persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      clock: systemClock,
      newId: uuidv7Generator(systemClock),
    });
    const run = await stack.persistence.createRun({
      id: "run-1",
      workflowId: "wf",
      workflowVersion: "1",
      fingerprint: "",
      priority: 0,
      input: null,
      config: {},
      metadata: {},
      idempotencyKey: null,
      eventSeq: 0,
      createdAt: at(0),
    });
    await stack.persistence.updateRun(
      run.id,
      { status: "RUNNING", groupRemaining: 2 },
      { now: at(1) },
    );
    await stack.persistence.createStages(
      ["left", "right"].map((stageId) => ({
        id: `s-${stageId}`,
        runId: run.id,
        stageId,
        groupIndex: 0,
        createdAt: at(1),
      })),
    );
    let transactions = 0;
    const counted = {
      ...stack.persistence,
      withTransaction: <T>(fn: Parameters<typeof stack.persistence.withTransaction<T>>[0]) => {
        transactions++;
        return stack.persistence.withTransaction(fn);
      },
    };
    const batched = transactionalCommitter({
      persistence: counted,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      clock: systemClock,
      newId: uuidv7Generator(systemClock),
    });
    const completion = (stageId: string, ms: number): StageCompletion => ({
      runId: run.id,
      groupIndex: 0,
      stageRecordId: `s-${stageId}`,
      stageId,
      fromStatuses: ["PENDING", "RUNNING"],
      attempt: 1,
      output: { stageId },
      outputRef: { kind: "inline" },
      startedAt: at(ms),
      logs: [],
      events: [
        { id: `e-${stageId}`, type: "workflow.step.completed", payload: {}, occurredAt: at(ms) },
      ],
      close: {
        events: [],
        run: { status: "COMPLETED", output: "done", completedAt: at(ms), currentGroup: 0 },
      },
      now: at(ms),
    });
    const results = await batched.commitMany([completion("left", 10), completion("right", 11)]);
    expect(transactions).toBe(1);
    expect(results).toEqual([
      {
        kind: "committed",
        closed: false,
        run: expect.objectContaining({ groupRemaining: 1, eventSeq: 1 }),
      },
      {
        kind: "committed",
        closed: true,
        run: expect.objectContaining({ status: "COMPLETED", eventSeq: 2 }),
      },
    ]);
    expect((await stack.queries.listEvents(run.id)).map((e) => [e.sequence, e.id])).toEqual([
      [1, "e-left"],
      [2, "e-right"],
    ]);
    // The plain committer sees the same rows.
    expect(await committer.commit(completion("left", 12))).toEqual({
      kind: "stale",
      status: "COMPLETED",
    });
  });
});
