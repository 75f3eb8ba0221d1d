/**
 * Ratchet on PostgreSQL or SQLite: the stack from `@ratchet/prisma`, one `createNodeHost`
 * (concurrency 10, the stack's wake-ups, default options otherwise) in this process.
 */
import { createNodeHost } from "@ratchet/host-node";
import {
  type AnyWorkflow,
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  type EventSink,
} from "@ratchet/kernel";
import { createPostgresStack, createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { z } from "zod";
import { connect, type Driver, type Target } from "../frames.js";
import { CONCURRENCY } from "../spec.js";
import { quietLogger } from "../util.js";

const N = z.object({ n: z.number() });

const step = <const Id extends string>(id: Id) =>
  defineStage({
    id,
    name: id,
    schemas: { input: N, output: N },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });

/** W1 and W3: three sequential trivial stages; stage k returns input + 1. */
export const chainWorkflow = defineWorkflow({ id: "chain", name: "Chain", input: N, output: N })
  .pipe(step("s1"))
  .pipe(step("s2"))
  .pipe(step("s3"))
  .build();

const FAN = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"] as const;

const join = defineStage({
  id: "join",
  name: "join",
  schemas: { input: z.object(Object.fromEntries(FAN.map((id) => [id, N]))), output: N },
  execute: (ctx) => ({ n: FAN.reduce((sum, id) => sum + (ctx.input[id]?.n ?? 0), 0) }),
});

/** W2: ten parallel trivial stages, then a join that needs all ten. */
export const fanoutWorkflow = defineWorkflow({
  id: "fanout",
  name: "Fan-out",
  input: N,
  output: N,
})
  .parallel([
    step("p0"),
    step("p1"),
    step("p2"),
    step("p3"),
    step("p4"),
    step("p5"),
    step("p6"),
    step("p7"),
    step("p8"),
    step("p9"),
  ])
  .pipe(join)
  .build();

/** Events go nowhere: the outbox is still written and published, as in production. */
export const discardEvents: EventSink = { emit: async () => {} };

type StatementCounts = { statements: number; transactions: number; autocommit: number };

/** A stack on `target` (migrating unless `migrate: false`). */
export function openStack(
  target: Target,
  options: { migrate?: boolean; onStatement?: (sql: string, inTransaction: boolean) => void } = {},
): Promise<PrismaStack> {
  return target.kind === "postgres"
    ? createPostgresStack({ url: target.url, ...options })
    : createSqliteStack({ file: target.file, ...options });
}

/** Raw queries on `target` over a connection of their own (`$1`… placeholders on both). */
export async function openReader(target: Target): Promise<{
  query(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}> {
  if (target.kind === "postgres") {
    const client = await connect(target.url);
    return {
      query: async (sql: string, values: unknown[] = []) =>
        (await client.query<Record<string, unknown>>(sql, values)).rows,
      close: () => client.end(),
    };
  }
  const stack = await openStack(target, { migrate: false });
  return {
    query: (sql: string, values: unknown[] = []) =>
      stack.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
        sql.replace(/\$\d+/g, "?"),
        ...values,
      ),
    close: () => stack.close(),
  };
}

/** Ratchet's driver for `workflow` on `target`. */
export function ratchetDriver(target: Target, workflow: AnyWorkflow): Driver {
  const registry = createRegistry([workflow]);
  const kernelOver = (stack: PrismaStack) =>
    createKernel({ ...stack, eventSink: discardEvents, registry });

  return {
    async setup() {
      const stack = await openStack(target); // migrates
      await stack.close();
    },

    async openEnqueuer() {
      const stack = await openStack(target, { migrate: false });
      const kernel = kernelOver(stack);
      return {
        enqueue: async (i) => {
          await kernel.dispatch({ type: "run.create", workflowId: workflow.id, input: { n: i } });
        },
        close: () => stack.close(),
      };
    },

    async startWorker() {
      const counts: StatementCounts = { statements: 0, transactions: 0, autocommit: 0 };
      const stack = await openStack(target, {
        migrate: false,
        onStatement: (sql, inTransaction) => {
          if (sql === "BEGIN") counts.transactions++;
          else if (sql === "COMMIT" || sql === "ROLLBACK") return;
          else {
            counts.statements++;
            if (!inTransaction) counts.autocommit++;
          }
        },
      });
      const host = createNodeHost({
        kernel: kernelOver(stack),
        jobTransport: stack.jobTransport,
        wakeups: stack.wakeups,
        concurrency: CONCURRENCY,
        logger: quietLogger,
      });
      await host.start();
      // No `host.wake()` needed: the stack's wake-ups fire once when they start (the LISTEN
      // connection is up, the file watch is set), and the host then claims the backlog.
      return {
        statements: () => ({ ...counts }),
        stop: async () => {
          await host.stop();
          await stack.close();
        },
      };
    },

    async openProbe() {
      const reader = await openReader(target);
      return {
        completed: async () => {
          const rows = await reader.query(
            "SELECT count(*) AS n FROM ratchet_runs WHERE status = 'COMPLETED'",
          );
          return Number(rows[0]?.n);
        },
        close: reader.close,
      };
    },

    async openCaller() {
      const stack = await openStack(target, { migrate: false });
      const kernel = kernelOver(stack);
      return {
        create: async (i) =>
          (await kernel.dispatch({ type: "run.create", workflowId: workflow.id, input: { n: i } }))
            .workflowRunId,
        // Awaits the result instead of polling: `awaitRunResult` is woken by the run-end notice
        // (LISTEN/NOTIFY from the caller's own stack on PostgreSQL; on SQLite the notice of the
        // worker's stack on the same file in this process). So the frame's first call returns
        // once the run has ended, and it never polls again.
        isCompleted: async (id) => {
          const result = await stack.awaitRunResult(id, { timeoutMs: 60_000 });
          if (result.status !== "COMPLETED") throw new Error(`run ${id} ended ${result.status}`);
          return true;
        },
        close: () => stack.close(),
      };
    },
  };
}
