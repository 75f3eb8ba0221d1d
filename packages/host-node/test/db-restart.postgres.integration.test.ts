/**
 * PostgreSQL restarts while workers run (on a private server, so other tests are not
 * disturbed): the hosts survive, reconnect, and every run completes with its output committed
 * once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHost, type NodeHost } from "../src/index.js";
import { type PrivatePostgres, startPrivatePostgres } from "./support/private-postgres.js";
import { e2eKernel, readLedger, workload } from "./support/workload.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const RUNS = 300;

describe("PostgreSQL restarts while workers run", () => {
  let server: PrivatePostgres;
  const stacks: PrismaStack[] = [];
  beforeAll(async () => {
    server = await startPrivatePostgres();
  });
  afterAll(async () => {
    for (const stack of stacks) await stack.close().catch(() => undefined);
    server?.stop();
  });

  it(`two hosts survive two restarts and finish ${RUNS} runs`, async () => {
    const open = async () => {
      const stack = await createPostgresStack({ url: server.url });
      stacks.push(stack);
      return stack;
    };
    const main = await open();
    workload.ledger = join(tmpdir(), `ratchet-restart-ledger-${process.pid}.txt`);
    writeFileSync(workload.ledger, "");
    workload.slowStageMs = 20;
    const creator = e2eKernel(main);
    for (let i = 0; i < RUNS; i++)
      await creator.dispatch({ type: "run.create", workflowId: "e2e", input: { n: i } });

    const warnings: string[] = [];
    const hosts: NodeHost[] = [];
    for (const i of [0, 1]) {
      const stack = await open();
      hosts.push(
        createNodeHost({
          kernel: e2eKernel(stack),
          jobTransport: stack.jobTransport,
          wakeups: stack.wakeups,
          workerId: `restart-${i}`,
          concurrency: 4,
          orchestrationIntervalMs: 200,
          jobPollIntervalMs: 50,
          maxIdlePollIntervalMs: 200,
          leaseMs: 2_000,
          staleLeaseThresholdMs: 0,
          stuckRunThresholdMs: 2_000,
          logger: {
            warn: (m: string) => warnings.push(String(m)),
            error: (m: string) => warnings.push(String(m)),
          },
        }),
      );
    }
    for (const host of hosts) await host.start();
    const completed = async () => {
      try {
        return (await main.persistence.listRuns({ status: "COMPLETED", limit: RUNS + 1 })).length;
      } catch {
        return -1; // the server is restarting
      }
    };
    let restarts = 0;
    const began = Date.now();
    for (const share of [0.25, 0.6]) {
      while ((await completed()) < RUNS * share) {
        if (Date.now() - began > 120_000)
          throw new Error("runs stopped progressing before a restart");
        await pause(50);
      }
      server.restart();
      restarts++;
    }
    while ((await completed()) < RUNS) {
      if (Date.now() - began > 180_000)
        throw new Error(
          `only ${await completed()} of ${RUNS} runs completed after ${restarts} restarts`,
        );
      await pause(100);
    }
    for (const host of hosts) {
      expect(host.getStats().isRunning).toBe(true);
      await host.stop();
    }
    const ledger = readLedger(readFileSync(workload.ledger, "utf8"));
    workload.ledger = "";
    const stages = await main.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      "SELECT count(*) AS n FROM ratchet_stages WHERE status = 'COMPLETED'",
    );
    expect(Number(stages[0]?.n)).toBe(RUNS * 4);
    const completions = await main.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      "SELECT count(*) AS n FROM ratchet_outbox WHERE type = 'workflow.step.completed'",
    );
    expect(Number(completions[0]?.n)).toBe(RUNS * 4);
    // At least once: a stage whose commit the restart cut off ran again.
    expect(new Set(ledger.map((e) => `${e.runId}:${e.stageId}`)).size).toBe(RUNS * 4);
    console.log(
      `[db restart] ${RUNS} runs, ${restarts} restarts, ${ledger.length - RUNS * 4} re-executions, ${warnings.length} warnings logged, ${Date.now() - began} ms`,
    );
    expect(warnings.length).toBeGreaterThan(0);
  }, 240_000);
});
