/**
 * A worker process SIGKILLed in the middle of a stage, on NATS JetStream with a real store.
 * Its message is redelivered after the ack wait, but the dead worker still holds the job's
 * lease in the database, so the message alone cannot recover the work: the other workers find
 * the run taken and skip it. `lease.reapStale` (the maintenance tick's duty) releases the job
 * once its lease ran out and publishes it again; the run then completes from that message, its
 * stages committed exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { createPostgresStack, createSqliteStack } from "@ratchet/prisma";
import { createPostgresDatabase } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, freshQueue, NATS_URL } from "./support/nats.js";
import { startChildWorker } from "./support/processes.js";
import { type StorePorts, startSystem, waitFor } from "./support/system.js";
import { STAGES } from "./support/workflow.js";

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connectNats("kill-admin");
});
afterAll(async () => {
  await nc?.close();
});

interface SharedStore {
  kind: "sqlite" | "postgres";
  /** What the child process opens: the file, or the database URL. */
  address: string;
  ports: StorePorts;
  close(): Promise<void>;
}

const STORES: Record<string, () => Promise<SharedStore>> = {
  "SQLite file": async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-nats-kill-"));
    const file = join(dir, "ratchet.db");
    const stack = await createSqliteStack({ file });
    return {
      kind: "sqlite",
      address: file,
      ports: stack,
      close: async () => {
        await stack.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  PostgreSQL: async () => {
    const db = await createPostgresDatabase("nats_kill");
    const stack = await createPostgresStack({ url: db.url }).catch(async (error) => {
      await db.drop();
      throw error;
    });
    return {
      kind: "postgres",
      address: db.url,
      ports: stack,
      close: async () => {
        await stack.close();
        await db.drop();
      },
    };
  },
};

const ACK_WAIT_MS = 1_500;
const LEASE_MS = 3_000;

describe.each(Object.entries(STORES))("a worker killed mid-stage (%s)", (_name, open) => {
  it("redelivery meets the dead worker's lease; lease.reapStale republishes; exactly once", async () => {
    const store = await open();
    const queue = await freshQueue(nc, "kill", { ackWaitMs: ACK_WAIT_MS });
    const system = await startSystem(store.ports, queue);
    const doomed = await startChildWorker("stage-worker-entry.ts", {
      WORKER_STORE: store.kind,
      WORKER_STORE_ADDRESS: store.address,
      WORKER_NATS_URL: NATS_URL,
      WORKER_STREAM: queue.stream,
      WORKER_CONSUMER: queue.consumerName,
      WORKER_LEASE_MS: String(LEASE_MS),
    });
    try {
      const runIds: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { workflowRunId } = await system.kernel.dispatch({
          type: "run.create",
          workflowId: "pipeline",
          input: { text: `r${i} x` },
        });
        runIds.push(workflowRunId);
      }
      // The child (alone so far) claims a run and starts its first stage: kill it there.
      await waitFor(() => doomed.output().includes("stage-started"), 20_000, "the child's stage");
      doomed.child.kill("SIGKILL");
      expect(await doomed.ended).toBe("SIGKILL");
      const killedRun = /stage-started (\S+) split/.exec(doomed.output())?.[1] ?? "";
      expect(runIds).toContain(killedRun);
      const killedAt = Date.now();

      const workers = [await system.startWorker("a"), await system.startWorker("b")];
      const others = runIds.filter((id) => id !== killedRun);
      const completed = async (ids: string[]) => {
        for (const id of ids)
          if ((await store.ports.persistence.getRun(id))?.status !== "COMPLETED") return false;
        return true;
      };
      await waitFor(() => completed(others), 60_000, "the other runs to complete");
      // Five runs, five pending-run messages, one of them taken by the dead child: every one
      // reaches the live workers (the child's redelivered after the ack wait) and finds
      // nothing left to claim for the killed run — a lease nobody renews holds its job.
      const pendingRunIds = () =>
        new Set(
          workers.flatMap((w) =>
            w.handled.flatMap((h) => (h.body as { pendingRunId?: string }).pendingRunId ?? []),
          ),
        );
      await waitFor(() => pendingRunIds().size === 5, 15_000, "the redelivered message");
      expect(pendingRunIds()).toEqual(new Set(runIds));
      expect((await store.ports.persistence.getRun(killedRun))?.status).toBe("RUNNING");
      expect(system.executions.of(killedRun, "split")).toBe(0);

      // The maintenance duty, once, after the lease ran out: it releases and republishes.
      await waitFor(() => Date.now() - killedAt > LEASE_MS + 200, LEASE_MS + 1_000, "the lease");
      const reaped = await system.kernel.dispatch({ type: "lease.reapStale" });
      expect(reaped.released).toBe(1);
      await waitFor(() => completed([killedRun]), 30_000, "the killed run to complete");

      for (const [i, runId] of runIds.entries()) {
        const run = await store.ports.persistence.getRun(runId);
        expect(run?.output).toEqual({ summary: `2: R${i} X` });
        // In this process, each stage ran once (the dead child's attempt is not counted here).
        for (const stage of STAGES) expect(system.executions.of(runId, stage)).toBe(1);
      }
    } finally {
      if (doomed.child.exitCode === null && doomed.child.signalCode === null)
        doomed.child.kill("SIGKILL");
      await system.stop();
      await queue.delete();
      await store.close();
    }
  });
});
