/**
 * What the systems around the workflow do, one command each: the expense tool submits an
 * expense, the receipt scanner sends the receipt by expense id, an admin page lists pending
 * approvals — and the checks the example waits on.
 */
import {
  isTerminalRunStatus,
  type Kernel,
  type PendingApproval,
  type RunRecord,
  type RunSignalResult,
} from "@ratchet/kernel";
import type { PrismaStack } from "@ratchet/prisma";
import { type WaitOptions, waitUntil } from "./wait-until.js";
import { EXPENSE_WORKFLOW_ID, type Expense, RECEIPT_SIGNAL, type Receipt } from "./workflow.js";

/** Submits an expense: creates its run (idempotent per expense id); returns the run's id. */
export async function submitExpense(kernel: Kernel, expense: Expense): Promise<string> {
  const { workflowRunId } = await kernel.dispatch({
    type: "run.create",
    workflowId: EXPENSE_WORKFLOW_ID,
    input: expense,
    idempotencyKey: `expense:${expense.expenseId}`,
  });
  return workflowRunId;
}

/**
 * Sends the receipt as the scanner does: by key (the expense id), not to a run, whose id the
 * scanner never knew. The signal id makes a re-sent upload a `duplicate`.
 */
export async function sendReceipt(
  kernel: Kernel,
  expenseId: string,
  receipt: Receipt,
): Promise<RunSignalResult> {
  return kernel.dispatch({
    type: "run.signal",
    name: RECEIPT_SIGNAL,
    key: expenseId,
    workflowId: EXPENSE_WORKFLOW_ID, // checks the payload against the step's schema now
    payload: receipt,
    signalId: `receipt:${expenseId}`,
  });
}

/** Waits until the run's approval is pending (as `approvals.list` shows it) and returns it. */
export async function waitForPendingApproval(
  kernel: Kernel,
  runId: string,
  options?: WaitOptions,
): Promise<PendingApproval> {
  return waitUntil(
    `the approval of run ${runId}`,
    async () => {
      const { approvals } = await kernel.dispatch({ type: "approvals.list", workflowRunId: runId });
      return approvals[0];
    },
    options,
  );
}

/** Waits until the run has ended and returns its record. */
export async function waitForEnd(
  stack: PrismaStack,
  runId: string,
  options?: WaitOptions,
): Promise<RunRecord> {
  return waitUntil(
    `run ${runId} to end`,
    async () => {
      const run = await stack.persistence.getRun(runId);
      return run && isTerminalRunStatus(run.status) ? run : undefined;
    },
    options,
  );
}

/** What is still waiting in the store: pending approvals, signal waits, unconsumed signals. */
export interface LeftWaiting {
  approvals: number;
  signalWaits: number;
  unconsumedSignals: number;
}

/** Counts what is still waiting (of the signals given by id, those nobody consumed). */
export async function leftWaiting(
  kernel: Kernel,
  stack: PrismaStack,
  signalIds: readonly string[],
): Promise<LeftWaiting> {
  const { approvals } = await kernel.dispatch({ type: "approvals.list" });
  const waits = await stack.persistence.listSignalWaits({ limit: 100 });
  const signals = await Promise.all(signalIds.map((id) => stack.persistence.getSignal(id)));
  return {
    approvals: approvals.length,
    signalWaits: waits.length,
    unconsumedSignals: signals.filter((signal) => signal?.consumedAt == null).length,
  };
}
