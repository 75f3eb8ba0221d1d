/**
 * Runs the document workflow on Ratchet's in-memory adapters with a minimal loop that does
 * what a host does: claim pending runs, dequeue and execute jobs, publish outbox events.
 */
import {
  createKernel,
  createRegistry,
  decodeValue,
  type RunRecord,
  systemClock,
  type WorkflowEvent,
} from "@ratchet/kernel";
import { createInMemoryStack } from "@ratchet/kernel/in-memory";
import { documentWorkflow } from "./workflow.js";

/** What the example reports. */
export interface ExampleResult {
  run: RunRecord;
  output: unknown;
  events: WorkflowEvent[];
  stages: Array<{ stageId: string; status: string; attempt: number }>;
  elapsedMs: number;
}

/** Runs one document through the pipeline; `onEvent` sees each published event. */
export async function runExample(
  url: string,
  onEvent: (event: WorkflowEvent) => void = () => {},
): Promise<ExampleResult> {
  const started = performance.now();
  const { persistence, jobTransport, scheduler, blobStore } = createInMemoryStack();
  const events: WorkflowEvent[] = [];
  const kernel = createKernel({
    persistence,
    jobTransport,
    scheduler,
    blobStore,
    eventSink: {
      emit: async (event) => {
        events.push(event);
        onEvent(event);
      },
    },
    clock: systemClock,
    registry: createRegistry([documentWorkflow]),
  });

  const workerId = "example-worker";
  const { workflowRunId } = await kernel.dispatch({
    type: "run.create",
    workflowId: documentWorkflow.id,
    input: { url },
    metadata: { requestedAt: new Date("2026-11-22T12:00:00Z") },
    config: { publish: { summaryLength: 48 } },
  });

  for (let round = 0; round < 100; round++) {
    await kernel.dispatch({ type: "run.claimPending", workerId });
    const jobs = await jobTransport.dequeue({
      workerId,
      limit: 10,
      leaseMs: 30_000,
      now: systemClock.now(),
      routes: kernel.routes,
    });
    await Promise.all(jobs.map((job) => kernel.dispatch({ type: "job.execute", workerId, job })));
    await kernel.dispatch({ type: "outbox.flush", workerId });
    const run = await persistence.getRun(workflowRunId);
    if (
      run &&
      (run.status === "COMPLETED" || run.status === "FAILED" || run.status === "CANCELLED")
    ) {
      const stages = (await persistence.listStages(workflowRunId)).map(
        ({ stageId, status, attempt }) => ({ stageId, status, attempt }),
      );
      return {
        run,
        output: decodeValue(run.output),
        events,
        stages,
        elapsedMs: performance.now() - started,
      };
    }
  }
  throw new Error(`run ${workflowRunId} did not finish in 100 rounds`);
}
