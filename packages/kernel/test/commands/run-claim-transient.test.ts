/**
 * A transient store error while a run starts (a lost connection, a serialization failure, a
 * busy database) is never the run's fault: even when it hits the batch claim and then the run's
 * own claim, the run is not failed with `CLAIM_FAILED` — the claim throws, the run stays
 * `PENDING` and starts on a later claim. (Found by the deterministic simulation's survivable
 * database errors: two in a row failed a healthy run for good.)
 */
import { describe, expect, it } from "vitest";
import { isTransientError } from "../../src/internal/transient-error.js";
import type { PersistenceTransaction } from "../../src/ports/persistence/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";
import { override } from "../helpers.js";

/** The stack's persistence, whose transactions fail to create stages while `fault()` gives an error. */
function flakyStack(fault: () => Error | undefined) {
  const stack = createInMemoryStack();
  const wrap = (tx: PersistenceTransaction) =>
    override(tx, {
      createStages: (stages) => {
        const error = fault();
        return error ? Promise.reject(error) : tx.createStages(stages);
      },
    });
  const persistence = new Proxy(stack.persistence, {
    get(target, property, receiver) {
      if (property === "withTransaction")
        return <T>(fn: (tx: PersistenceTransaction) => Promise<T>) =>
          target.withTransaction((tx) => fn(wrap(tx)));
      // The fault is in the transactional claim: no run starter, so the claim goes through it.
      if (property === "runStarter") return undefined;
      return Reflect.get(target, property, receiver);
    },
  });
  return { ...stack, persistence };
}

const serializationFailure = () =>
  Object.assign(new Error("could not serialize access due to concurrent update"), {
    code: "40001",
  });
const markedTransient = () =>
  Object.assign(new Error("connection reset by the proxy"), { transient: true });

describe("run.claimPending with transient store errors", () => {
  for (const [name, make] of [
    ["a serialization failure (SQLSTATE 40001)", serializationFailure],
    ["an error marked transient", markedTransient],
  ] as const) {
    it(`fails no run for ${name} in the batch and again alone; the run starts later`, async () => {
      let failing = 2;
      const stack = flakyStack(() => (failing-- > 0 ? make() : undefined));
      const t = createTestKernel({ ...stack, workflows: [chainWorkflow] });
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "chain",
        input: { n: 1 },
      });
      await expect(
        t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims: 5 }),
      ).rejects.toThrow(make().message);
      expect(await t.persistence.getRun(workflowRunId)).toMatchObject({
        status: "PENDING",
        error: null,
      });
      expect(t.events.events.filter((e) => e.type === "workflow.failed")).toEqual([]);

      const claim = await t.kernel.dispatch({ type: "run.claimPending", workerId: "w" });
      expect(claim.claimed.map((c) => c.workflowRunId)).toEqual([workflowRunId]);
      await t.driver.drain();
      expect(await t.persistence.getRun(workflowRunId)).toMatchObject({ status: "COMPLETED" });
    });
  }
});

describe("isTransientError", () => {
  it("recognises transient kinds by marker, code or SQLSTATE class, through causes", () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["40001", "40P01", "08006", "53300", "57P01", "55P03", "57014"])
      expect(isTransientError(coded(code)), code).toBe(true);
    for (const code of ["P1001", "P2034", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "ECONNRESET"])
      expect(isTransientError(coded(code)), code).toBe(true);
    for (const code of ["DATABASE_STALLED", "POOL_WAIT_TIMEOUT", "TRANSACTION_TIMEOUT"])
      expect(isTransientError(coded(code)), code).toBe(true);
    expect(isTransientError({ transient: true })).toBe(true);
    expect(isTransientError(new Error("wrapped", { cause: coded("40001") }))).toBe(true);
  });

  it("leaves every other error to be judged as the run's", () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["23505", "22001", "P2002", "SQLITE_CONSTRAINT", "CORRUPT_ROW", "4000"])
      expect(isTransientError(coded(code)), code).toBe(false);
    expect(isTransientError(new Error("disk full while starting the run"))).toBe(false);
    expect(isTransientError({ transient: "yes" })).toBe(false);
    expect(isTransientError(null)).toBe(false);
    expect(isTransientError("40001")).toBe(false);
  });
});
