/**
 * The PostgreSQL stack's stall settings: defaults, what derives from what, what is refused, and
 * the one line a stall is reported with.
 */
import { describe, expect, it } from "vitest";
import { pgSessionConfig, resolveSessionLimits } from "../src/clients/postgres-session.js";
import { ConnectionWaitTimeoutError, TransactionTimeoutError } from "../src/sql/driver.js";
import { DatabaseStalledError, describeStall, serverLimitOf } from "../src/sql/stall.js";
import { stallSettings } from "../src/stacks/postgres-stalls.js";

describe("stall settings", () => {
  it("defaults: statement 30 s, lock 10 s, idle in transaction = the transaction timeout, deadline 35 s, keepalive after 10 s", () => {
    const settings = stallSettings({});
    expect(settings.limits).toEqual({
      statementTimeoutMs: 30_000,
      lockTimeoutMs: 10_000,
      idleInTransactionTimeoutMs: 30_000,
      keepAliveInitialDelayMs: 10_000,
    });
    expect(settings.watch.stallTimeoutMs).toBe(35_000);
    expect(settings.listener).toMatchObject({
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      idle_in_transaction_session_timeout: 30_000,
      query_timeout: 35_000,
    });
    expect(stallSettings({ transactionTimeoutMs: 12_000 }).limits.idleInTransactionTimeoutMs).toBe(
      12_000,
    );
  });

  it("the deadline follows statement_timeout, and is off with it unless given", () => {
    expect(stallSettings({ statementTimeoutMs: 1_000 }).watch.stallTimeoutMs).toBe(6_000);
    expect(stallSettings({ statementTimeoutMs: 0 }).watch.stallTimeoutMs).toBe(0);
    expect(
      stallSettings({ statementTimeoutMs: 0, stallTimeoutMs: 90_000 }).watch.stallTimeoutMs,
    ).toBe(90_000);
  });

  it("0 leaves the server's setting: pg does not send it", () => {
    const config = pgSessionConfig(
      resolveSessionLimits({
        statementTimeoutMs: 0,
        lockTimeoutMs: 0,
        idleInTransactionTimeoutMs: 0,
      }),
    );
    expect(config).toMatchObject({ statement_timeout: 0, lock_timeout: 0, keepAlive: true });
  });

  it("refuses negative and non-finite limits, naming them", () => {
    expect(() => stallSettings({ lockTimeoutMs: -1 })).toThrow(/lockTimeoutMs/);
    expect(() => stallSettings({ statementTimeoutMs: Number.NaN })).toThrow(/statementTimeoutMs/);
    expect(() => stallSettings({ stallTimeoutMs: -5 })).toThrow(/stallTimeoutMs/);
  });
});

describe("stall reports", () => {
  it("say which limit, how long, on which connection, doing what", () => {
    const stall = {
      limit: "statement deadline" as const,
      operation: "UPDATE ratchet_runs SET …",
      waitedMs: 35_004,
      backendPid: 4242,
      inTransaction: true,
      connectionClosed: true,
    };
    expect(describeStall(stall)).toBe(
      "[ratchet] [prisma] PostgreSQL stalled (backend pid 4242): statement deadline after 35004 ms in a transaction: UPDATE ratchet_runs SET …; the connection was closed",
    );
    const error = new DatabaseStalledError(stall);
    expect(error.code).toBe("DATABASE_STALLED");
    expect(error.stall).toBe(stall);
  });

  it("recognise the server's limits by SQLSTATE", () => {
    expect(serverLimitOf({ code: "57014" })).toBe("statement_timeout");
    expect(serverLimitOf({ code: "55P03" })).toBe("lock_timeout");
    expect(serverLimitOf({ code: "25P03" })).toBe("idle_in_transaction_session_timeout");
    expect(serverLimitOf({ code: "23505" })).toBeUndefined();
    expect(serverLimitOf(null)).toBeUndefined();
  });

  it("mark the adapter's own time-outs transient, so the kernel never fails a run for one", () => {
    const stall = new DatabaseStalledError({
      limit: "statement deadline",
      operation: "SELECT 1",
      waitedMs: 35_000,
      backendPid: 1,
      inTransaction: false,
      connectionClosed: true,
    });
    for (const error of [
      stall,
      new TransactionTimeoutError(30_000),
      new ConnectionWaitTimeoutError(10_000),
    ])
      expect(error).toMatchObject({ transient: true });
  });
});
