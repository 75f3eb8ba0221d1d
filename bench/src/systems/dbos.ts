/**
 * DBOS Transact 5.3.0: durable workflows on a PostgreSQL system database (a fresh database per
 * workload). A run is one workflow whose stages are steps (`DBOS.runStep`, each checkpointed);
 * W2's ten stages are ten steps started together (`Promise.all`) followed by a join step, the
 * library's own way to run steps in parallel. Runs are enqueued with `DBOSClient` on a
 * database-backed queue with `workerConcurrency` 10; the worker is `DBOS.launch()`. DBOS queues
 * are polled (no LISTEN for new work), every `minPollingIntervalMs` (default 1 000 ms, set here
 * to {@link DBOS_POLL_MS}).
 */
import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { connect, type Driver, type Target } from "../frames.js";
import { CONCURRENCY } from "../spec.js";

const APP = "bench";
const QUEUE = "bench";
const FAN = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"] as const;

/**
 * The queue's polling interval (ms). 50 ms gave DBOS its best W1, W2 and W3 here (1 000 ms, the
 * default: 30 stages/s on W1; 200 ms: 143; 50 ms: ~490; 20 ms and 10 ms: no faster, W2 slower).
 */
export const DBOS_POLL_MS = Number(process.env.BENCH_DBOS_POLL_MS ?? 50);

let registered = false;

/** Registers both workflows (once; DBOS wants them registered before `launch`). */
function registerWorkflows(): void {
  if (registered) return;
  registered = true;
  DBOS.registerWorkflow(
    async (n: number) => {
      let x = n;
      for (const id of ["s1", "s2", "s3"]) {
        const input = x;
        x = await DBOS.runStep(async () => input + 1, { name: id });
      }
      return x;
    },
    { name: "chain" },
  );
  DBOS.registerWorkflow(
    async (n: number) => {
      const outputs = await Promise.all(
        FAN.map((id) => DBOS.runStep(async () => n + 1, { name: id })),
      );
      return DBOS.runStep(async () => outputs.reduce((sum, value) => sum + value, 0), {
        name: "join",
      });
    },
    { name: "fanout" },
  );
}

export function dbosDriver(
  target: Target & { kind: "postgres" },
  shape: "chain" | "fanout",
): Driver {
  const workflowName = shape;
  registerWorkflows();
  DBOS.setConfig({ name: APP, systemDatabaseUrl: target.url, logLevel: "error" });
  const client = () => DBOSClient.create({ systemDatabaseUrl: target.url, applicationName: APP });

  return {
    async setup() {
      await DBOS.launch(); // creates the system database's schema
      await DBOS.registerQueue(QUEUE, {
        workerConcurrency: CONCURRENCY,
        minPollingIntervalMs: DBOS_POLL_MS,
      });
      await DBOS.shutdown();
    },

    async openEnqueuer() {
      const c = await client();
      return {
        enqueue: async (i) => {
          await c.enqueue({ workflowName, queueName: QUEUE }, i);
        },
        close: () => c.destroy(),
      };
    },

    async startWorker() {
      await DBOS.launch();
      return { stop: () => DBOS.shutdown() };
    },

    async openProbe() {
      const probe = await connect(target.url);
      return {
        completed: async () => {
          const { rows } = await probe.query<{ n: string }>(
            "SELECT count(*) AS n FROM dbos.workflow_status WHERE status = 'SUCCESS' AND name = $1",
            [workflowName],
          );
          return Number(rows[0]?.n);
        },
        close: () => probe.end(),
      };
    },

    // created_at and updated_at (the SUCCESS write) are the workflow's; a first stage's start is
    // its earliest step's started_at_epoch_ms (the workflow's dequeue time if no step has one).
    async runTimes() {
      const reader = await connect(target.url);
      const { rows } = await reader.query<{
        created: string;
        started: string | null;
        done: string;
      }>(
        `SELECT w.created_at AS created, w.updated_at AS done,
                coalesce(min(o.started_at_epoch_ms), w.started_at_epoch_ms) AS started
           FROM dbos.workflow_status w
           LEFT JOIN dbos.operation_outputs o ON o.workflow_uuid = w.workflow_uuid
          WHERE w.name = $1 AND w.status = 'SUCCESS'
          GROUP BY w.workflow_uuid`,
        [workflowName],
      );
      await reader.end();
      return rows.map((r) => ({
        createdMs: Number(r.created),
        startedMs: r.started === null ? Number.NaN : Number(r.started),
        doneMs: Number(r.done),
      }));
    },

    async openCaller() {
      const c = await client();
      const reader = await connect(target.url);
      return {
        create: async (i) => (await c.enqueue({ workflowName, queueName: QUEUE }, i)).workflowID,
        isCompleted: async (id) => {
          const { rows } = await reader.query<{ status: string }>(
            "SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1",
            [id],
          );
          const status = rows[0]?.status;
          if (status === "ERROR" || status === "CANCELLED")
            throw new Error(`workflow ${id} ended ${status}`);
          return status === "SUCCESS";
        },
        close: async () => {
          await reader.end();
          await c.destroy();
        },
      };
    },
  };
}
