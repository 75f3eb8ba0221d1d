/**
 * The example end to end, on a fresh SQLite file and a real Node worker host: two expenses are
 * submitted, their receipts arrive by key, and their manager's approvals wait. One is approved
 * through the signed approval webhook (as a chat-ops bot would, after the approval escalated),
 * the other rejected with `approval.decide` directly. Returns what happened.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import {
  decodeValue,
  type PendingApproval,
  type RunSignalResult,
  type RunStatus,
  type WorkflowEvent,
} from "@ratchet/kernel";
import { openEngine } from "./engine.js";
import { EventLog } from "./event-log.js";
import { type LeftWaiting, leftWaiting, waitForEnd } from "./expense-steps.js";
import { decideBoth, type Scene, submitAll, type WebhookAnswers } from "./scenario.js";
import { startApprovalServer } from "./webhook-server.js";
import {
  type Expense,
  type ExpenseOutcome,
  type ExpenseTimings,
  expenseWorkflow,
} from "./workflow.js";

/** What happened to one expense. */
export interface ExpenseReport {
  expense: Expense;
  runId: string;
  /** What sending its receipt by key answered (`delivered` to this run). */
  receipt: RunSignalResult;
  /** Its approval as `approvals.list` showed it while it waited. */
  pending: PendingApproval;
  status: RunStatus;
  output: ExpenseOutcome;
}

/** What the example reports. */
export interface ExampleResult {
  databaseFile: string;
  webhookUrl: string;
  /** Approved through the webhook, then paid. */
  approved: ExpenseReport;
  /** Rejected with `approval.decide`. */
  rejected: ExpenseReport;
  /** The webhook's answers: a forged signature, the decision, and the bot's retry of it. */
  webhook: WebhookAnswers;
  /** Whether the approved expense's approval escalated before it was decided. */
  escalated: boolean;
  /** What was still waiting in the store at the end (all zero). */
  leftWaiting: LeftWaiting;
  events: WorkflowEvent[];
  elapsedMs: number;
}

/** Options of {@link runExample}. */
export interface RunExampleOptions {
  /** Sees each event the host publishes, with the expense id of its run. */
  onEvent?: (event: WorkflowEvent, expenseId: string | undefined) => void;
  /** Sees what the systems around the workflow do, as a line of text. */
  onStep?: (line: string) => void;
  /** Directory of the database file (default: a new temporary directory, removed at the end). */
  dir?: string;
  /** Keep the database file (default false: a temporary directory is removed). */
  keepDatabase?: boolean;
  /** The workflow's waits (default: 3 days, 2 days, and an escalation after 500 ms to show it). */
  timings?: ExpenseTimings;
  /** How long to wait for each thing before giving up (default 10 000 ms). */
  waitTimeoutMs?: number;
}

/** The expense approved through the webhook (and paid). */
export const APPROVED_EXPENSE: Expense = {
  expenseId: "EXP-1001",
  employee: "joe",
  amount: 129.9,
  currency: "EUR",
};

/** The expense rejected with `approval.decide`. */
export const REJECTED_EXPENSE: Expense = {
  expenseId: "EXP-1002",
  employee: "max",
  amount: 2400,
  currency: "EUR",
};

/** Runs the example; resolves once everything has been shut down. */
export async function runExample(options: RunExampleOptions = {}): Promise<ExampleResult> {
  const started = performance.now();
  const log = new EventLog();
  const expenseOf = new Map<string, string>();
  const engine = await openEngine({
    workflows: [expenseWorkflow({ escalateAfterMs: 500, ...options.timings })],
    ...(options.dir ? { dir: options.dir } : {}),
    onEvent: (event) => {
      log.add(event);
      options.onEvent?.(event, expenseOf.get(event.workflowRunId));
    },
  });
  const { kernel, stack, host } = engine;
  let server: Awaited<ReturnType<typeof startApprovalServer>> | undefined;
  try {
    const secret = randomBytes(32).toString("hex");
    server = await startApprovalServer({ kernel, secret });
    const scene: Scene = {
      kernel,
      log,
      webhook: { url: server.url, secret },
      expenseOf,
      say: options.onStep ?? (() => {}),
      wait: { timeoutMs: options.waitTimeoutMs ?? 10_000 },
    };
    scene.say(`SQLite database ${engine.file}; approval webhook on ${server.url}`);
    await host.start();

    const expenses = [APPROVED_EXPENSE, REJECTED_EXPENSE];
    const submitted = await submitAll(scene, expenses);
    const [approve, reject] = submitted.runIds as [string, string];
    const webhook = await decideBoth(scene, { approve, reject });

    const reports: ExpenseReport[] = [];
    for (const [i, expense] of expenses.entries()) {
      const run = await waitForEnd(stack, submitted.runIds[i] as string, scene.wait);
      reports.push({
        expense,
        runId: run.id,
        receipt: submitted.receipts[i] as RunSignalResult,
        pending: submitted.pending[i] as PendingApproval,
        status: run.status,
        output: decodeValue(run.output) as ExpenseOutcome,
      });
    }
    const signalIds = submitted.receipts.map((r) => r.signalId);
    return {
      databaseFile: engine.file,
      webhookUrl: server.url,
      approved: reports[0] as ExpenseReport,
      rejected: reports[1] as ExpenseReport,
      webhook,
      escalated: log.has({ workflowRunId: approve, type: "workflow.approval.escalated" }),
      leftWaiting: await leftWaiting(kernel, stack, signalIds),
      events: log.events, // the last events are published by engine.close(), below
      elapsedMs: performance.now() - started,
    };
  } finally {
    await server?.close();
    await engine.close();
    if (!options.dir && !options.keepDatabase)
      rmSync(dirname(engine.file), { recursive: true, force: true });
  }
}
