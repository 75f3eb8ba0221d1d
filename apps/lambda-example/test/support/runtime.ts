/**
 * Injects a runtime on a fresh SQLite file into the handler's module scope, and collects
 * what the handler logs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobTransport } from "@ratchet/kernel";
import { createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { afterEach, beforeEach } from "vitest";
import { setRuntimeFactory } from "../../src/handler.js";
import { createRuntime, type LogEntry, type RuntimeOptions } from "../../src/runtime.js";

/** The test's store and what the handler logged. */
export interface SqliteRuntimeHarness {
  stack: PrismaStack;
  logs: LogEntry[];
  /** Runtimes the factory built (one per "container"). */
  builds: number;
  /** Rebuilds the runtime with other options (e.g. a broken transport). */
  use(options?: {
    wrapTransport?: (t: JobTransport) => JobTransport;
    cron?: RuntimeOptions["cron"];
  }): Promise<void>;
}

/** Registers hooks giving each test a fresh SQLite-backed runtime. */
export function useSqliteRuntime(): SqliteRuntimeHarness {
  let dir = "";
  const harness = { logs: [] as LogEntry[], builds: 0 } as SqliteRuntimeHarness;
  harness.use = async (options = {}) => {
    await setRuntimeFactory(async () => {
      harness.builds++;
      const jobTransport =
        options.wrapTransport?.(harness.stack.jobTransport) ?? harness.stack.jobTransport;
      return createRuntime({
        ports: { ...harness.stack, jobTransport },
        workerId: "test-lambda",
        log: (entry) => harness.logs.push(entry),
        eventSink: { emit: async () => {} },
        ...(options.cron ? { cron: options.cron } : {}),
      });
    });
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ratchet-lambda-"));
    harness.stack = await createSqliteStack({ file: join(dir, "ratchet.db") });
    harness.logs.length = 0;
    harness.builds = 0;
    await harness.use();
  });
  afterEach(async () => {
    await harness.stack.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return harness;
}
