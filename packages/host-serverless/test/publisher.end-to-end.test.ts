/**
 * After-commit publishing end to end: a kernel with a `jobPublisher` and two serverless hosts
 * fed only by the messages it publishes — no maintenance tick, no `processAvailableJobs` —
 * complete every run, on the in-memory stack and on a real SQLite file. Messages are delivered
 * at least once (some twice) and in any order; every stage still runs exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createKernel,
  createRegistry,
  type JobPublisher,
  type JsonObject,
  readyWorkMessage,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { createSqliteStack } from "@ratchet/prisma";
import { describe, expect, it } from "vitest";
import { createServerlessHost, type HandleJobOutcome } from "../src/index.js";
import { Executions, PIPELINE_STAGES, pipelineWorkflow } from "./support/workflows.js";

/** An at-least-once in-memory queue: every 5th message is sent twice. */
class DuplicatingQueue implements JobPublisher {
  readonly messages: string[] = [];
  sent = 0;
  async publish(work: Parameters<JobPublisher["publish"]>[0]): Promise<void> {
    for (const item of work) {
      const body = JSON.stringify(readyWorkMessage(item, new Date()));
      this.messages.push(body);
      if (++this.sent % 5 === 0) this.messages.push(body);
    }
  }
  /** Takes a message from a random place: delivery order is not guaranteed. */
  take(): string | undefined {
    if (this.messages.length === 0) return undefined;
    const index = Math.floor(Math.random() * this.messages.length);
    return this.messages.splice(index, 1)[0];
  }
}

const stores = {
  "in memory": async () => ({ ports: createInMemoryStack(), close: async () => {} }),
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-publisher-"));
    const stack = await createSqliteStack({ file: join(dir, "ratchet.db") });
    return {
      ports: stack,
      close: async () => {
        await stack.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

describe.each(Object.entries(stores))(
  "after-commit publishing feeds serverless hosts (%s)",
  (_name, open) => {
    it("completes 40 runs from published messages alone; duplicates change nothing", async () => {
      const { ports, close } = await open();
      try {
        const queue = new DuplicatingQueue();
        const executions = new Executions();
        const registry = createRegistry([pipelineWorkflow(executions)]);
        const kernel = createKernel({
          ...ports,
          clock: systemClock,
          eventSink: new CollectingEventSink(),
          registry,
          jobPublisher: queue,
        });
        const hosts = ["a", "b"].map((workerId) =>
          createServerlessHost({ kernel, jobTransport: ports.jobTransport, workerId }),
        );
        const runIds: string[] = [];
        for (let i = 0; i < 40; i++) {
          const { workflowRunId } = await kernel.dispatch({
            type: "run.create",
            workflowId: "pipeline",
            input: { text: `w${i} x` },
          });
          runIds.push(workflowRunId);
        }
        const outcomes: Partial<Record<HandleJobOutcome, number>> = {};
        // Two consumers take messages concurrently until the queue is dry.
        await Promise.all(
          hosts.map(async (host) => {
            for (let body = queue.take(); body !== undefined; body = queue.take()) {
              const result = await host.handleJob(JSON.parse(body) as JsonObject);
              expect(result.ack).toBe(true);
              outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
              // Let the other consumer take a turn.
              await new Promise((resolve) => setImmediate(resolve));
            }
          }),
        );
        for (const [i, runId] of runIds.entries()) {
          const run = await ports.persistence.getRun(runId);
          expect(run?.status).toBe("COMPLETED");
          for (const stage of PIPELINE_STAGES) expect(executions.of(runId, stage)).toBe(1);
          expect(run?.output).toEqual({ summary: `2: W${i} X` });
        }
        // Each message either ran a stage or was skipped (a duplicate, a job already taken).
        expect(queue.sent).toBeGreaterThanOrEqual(40);
        expect(outcomes.completed).toBe(40 * PIPELINE_STAGES.length);
        expect((outcomes.completed ?? 0) + (outcomes.skipped ?? 0)).toBe(
          queue.sent + Math.floor(queue.sent / 5),
        );
      } finally {
        await close();
      }
    });
  },
);
