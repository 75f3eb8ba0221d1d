/**
 * The expense approval workflow: submit → wait for the receipt (a signal sent by key: the
 * expense id) → no receipt in time? reject : ask the manager (an approval) → pay or reject.
 *
 * Every wait is stored, never slept through: while the run waits for the receipt or for the
 * manager, its stage is `SUSPENDED` with a wait row, and no process holds it.
 */
import { type ApprovalResult, type SignalResult, workflow } from "@ratchet/kernel";
import { z } from "zod";

/** The workflow's id (what `run.create` names). */
export const EXPENSE_WORKFLOW_ID = "expense-approval";

/** The signal the receipt arrives as, sent by key (the expense id). */
export const RECEIPT_SIGNAL = "receipt";

/** The approval step's id (what `approval.decide` and the webhook name as `stageId`). */
export const MANAGER_STEP = "manager";

/** Who may decide an expense. */
export const APPROVERS = ["ann"] as const;

/** An expense as submitted: the workflow's input. */
export const Expense = z.object({
  expenseId: z.string().regex(/^EXP-\d{1,12}$/, "an id like EXP-1001"),
  employee: z.string().min(1).max(200),
  amount: z.number().positive().max(100_000),
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code like EUR"),
});

/** An expense as submitted. */
export type Expense = z.infer<typeof Expense>;

/** The receipt signal's payload: where the scanned receipt is. */
export const Receipt = z.object({ url: z.string().url() });

/** The receipt signal's payload. */
export type Receipt = z.infer<typeof Receipt>;

/** Who decided, when and why, as the run's output keeps it. */
export interface Decision {
  by: string | null;
  comment: string | null;
  decidedAt: Date;
}

/** The run's output: the expense paid, or rejected and why. */
export type ExpenseOutcome =
  | (Expense & { outcome: "paid"; paymentId: string; receiptUrl: string; approval: Decision })
  | (Expense & {
      outcome: "rejected";
      reason: "no receipt" | "rejected by manager" | "approval expired";
      receiptUrl: string | null;
      approval: Decision | null;
    });

/** How long each wait may last. */
export interface ExpenseTimings {
  /** How long the employee has to send the receipt (default 3 days). */
  receiptTimeoutMs?: number;
  /** How long the manager has to decide (default 2 days). */
  approvalTimeoutMs?: number;
  /** When to publish `workflow.approval.escalated` if still undecided (default 4 hours). */
  escalateAfterMs?: number;
}

const HOUR = 60 * 60 * 1000;

function decisionOf(result: ApprovalResult): Decision {
  return { by: result.by, comment: result.comment, decidedAt: result.decidedAt };
}

function receiptUrlOf(result: SignalResult<Receipt> | undefined): string | null {
  return result?.received ? result.payload.url : null;
}

/** Builds the expense approval workflow with the given timings. */
export function expenseWorkflow(timings: ExpenseTimings = {}) {
  return workflow(EXPENSE_WORKFLOW_ID)
    .task("submit", {
      // The first task's schema is the workflow's input schema: run.create refuses a bad expense.
      inputSchema: Expense,
      handler: async (expense): Promise<Expense> => expense,
    })
    .waitForSignal<Receipt>("receipt", {
      name: RECEIPT_SIGNAL,
      // The sender knows the expense, not the run: the receipt is matched by the expense id.
      key: (ctx) => (ctx.input as Expense).expenseId,
      schema: Receipt,
      timeoutMs: timings.receiptTimeoutMs ?? 72 * HOUR,
    })
    .choice("has-receipt", {
      choices: [{ condition: (ctx) => ctx.prev.received === true, next: MANAGER_STEP }],
      default: "reject",
    })
    .approval(MANAGER_STEP, {
      title: "Expense report",
      approvers: APPROVERS,
      timeoutMs: timings.approvalTimeoutMs ?? 48 * HOUR,
      escalateAfterMs: timings.escalateAfterMs ?? 4 * HOUR,
    })
    .choice("decision", {
      choices: [{ condition: (ctx) => ctx.prev.status === "approved", next: "pay" }],
      default: "reject",
    })
    .task("pay", {
      handler: async (approval: ApprovalResult, ctx): Promise<ExpenseOutcome> => {
        const expense = ctx.input as Expense;
        ctx.logger.info("paying", { expenseId: expense.expenseId, amount: expense.amount });
        return {
          ...expense,
          outcome: "paid",
          paymentId: `PAY-${expense.expenseId.slice(4)}`,
          receiptUrl: receiptUrlOf(ctx.steps.receipt) ?? "",
          approval: decisionOf(approval),
        };
      },
      end: true,
    })
    .task("reject", {
      handler: async (_input: unknown, ctx): Promise<ExpenseOutcome> => {
        const approval = ctx.getStepResult<ApprovalResult>(MANAGER_STEP);
        return {
          ...(ctx.input as Expense),
          outcome: "rejected",
          reason:
            approval === undefined
              ? "no receipt"
              : approval.status === "expired"
                ? "approval expired"
                : "rejected by manager",
          receiptUrl: receiptUrlOf(ctx.steps.receipt),
          approval: approval ? decisionOf(approval) : null,
        };
      },
      end: true,
    })
    .build();
}
