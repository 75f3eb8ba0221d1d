/**
 * The two acts of the example, as the systems around the workflow play them: (1) the expense
 * tool submits the expenses, the receipt scanner sends each receipt by expense id, and an admin
 * page sees the approvals pending; (2) one is rejected with `approval.decide`, the other — once
 * its approval escalated — approved through the webhook by a chat-ops bot, which also retries.
 */
import type { Kernel, PendingApproval, RunSignalResult } from "@ratchet/kernel";
import { postDecision, type WebhookAnswer } from "./chat-ops.js";
import type { EventLog } from "./event-log.js";
import { sendReceipt, submitExpense, waitForPendingApproval } from "./expense-steps.js";
import type { WaitOptions } from "./wait-until.js";
import { APPROVERS, type Expense, MANAGER_STEP } from "./workflow.js";

/** What the acts work with. */
export interface Scene {
  kernel: Kernel;
  log: EventLog;
  /** Where the approval webhook listens, and its secret. */
  webhook: { url: string; secret: string };
  /** Expense id by run id (for the event lines). */
  expenseOf: Map<string, string>;
  /** Tells what happens, one line at a time. */
  say: (line: string) => void;
  wait: WaitOptions;
}

/** What act 1 leaves: per expense, in order, its run, its receipt's delivery, its approval. */
export interface Submitted {
  runIds: string[];
  receipts: RunSignalResult[];
  pending: PendingApproval[];
}

const receiptOf = (expense: Expense) => ({
  url: `https://receipts.example.com/${expense.expenseId.toLowerCase()}.pdf`,
});

/** Act 1: submit, send the receipts by key, wait until the approvals are pending. */
export async function submitAll(scene: Scene, expenses: readonly Expense[]): Promise<Submitted> {
  const { kernel, log, say, wait } = scene;
  const runIds: string[] = [];
  for (const expense of expenses) {
    const runId = await submitExpense(kernel, expense);
    scene.expenseOf.set(runId, expense.expenseId);
    runIds.push(runId);
    say(`${expense.expenseId} submitted by ${expense.employee}: run ${runId}`);
  }
  const receipts: RunSignalResult[] = [];
  for (const [i, expense] of expenses.entries()) {
    const waiting = { workflowRunId: runIds[i] as string, type: "workflow.step.waiting" };
    await log.waitFor({ ...waiting, stageId: "receipt" }, wait);
    const sent = await sendReceipt(kernel, expense.expenseId, receiptOf(expense));
    receipts.push(sent);
    say(
      `receipt for ${expense.expenseId} sent by key: ${sent.status} to run ${sent.workflowRunId}`,
    );
  }
  const pending: PendingApproval[] = [];
  for (const workflowRunId of runIds) {
    await log.waitFor(
      { workflowRunId, type: "workflow.step.waiting", stageId: MANAGER_STEP },
      wait,
    );
    const approval = await waitForPendingApproval(kernel, workflowRunId, wait);
    pending.push(approval);
    say(
      `pending: ${scene.expenseOf.get(workflowRunId)} "${approval.title}" for ${approval.approvers?.join(", ")}`,
    );
  }
  return { runIds, receipts, pending };
}

/** The webhook's answers in act 2. */
export interface WebhookAnswers {
  /** A request signed with the wrong key: 401. */
  forged: WebhookAnswer;
  /** The signed decision: 200 `decided`. */
  decided: WebhookAnswer;
  /** The bot's retry with the same `decisionId`: 200 `duplicate`. */
  retried: WebhookAnswer;
}

/** Act 2: reject one run directly; approve the other through the webhook after it escalated. */
export async function decideBoth(
  scene: Scene,
  runs: { approve: string; reject: string },
): Promise<WebhookAnswers> {
  const { kernel, log, say, webhook } = scene;
  const approver = APPROVERS[0];
  await kernel.dispatch({
    type: "approval.decide",
    workflowRunId: runs.reject,
    stageId: MANAGER_STEP,
    decision: "reject",
    by: approver,
    comment: "over the travel budget",
  });
  say(`${scene.expenseOf.get(runs.reject)} rejected by ${approver} with approval.decide`);

  await log.waitFor(
    { workflowRunId: runs.approve, type: "workflow.approval.escalated" },
    scene.wait,
  );
  say(`${scene.expenseOf.get(runs.approve)} escalated: the bot pings ${approver}, who approves`);
  const decision = {
    workflowRunId: runs.approve,
    stageId: MANAGER_STEP,
    decision: "approve",
    by: approver,
    comment: "receipt checked, thanks",
    decisionId: "chat-click-7731",
  } as const;
  const forged = await postDecision(webhook.url, webhook.secret, decision, {
    signingSecret: "not-the-secret",
  });
  say(`a forged request (signed with the wrong key): ${forged.status}`);
  const decided = await postDecision(webhook.url, webhook.secret, decision);
  say(`the bot's signed decision: ${decided.status} ${JSON.stringify(decided.body)}`);
  const retried = await postDecision(webhook.url, webhook.secret, decision);
  say(`the bot's retry: ${retried.status} ${JSON.stringify(retried.body)}`);
  return { forged, decided, retried };
}
