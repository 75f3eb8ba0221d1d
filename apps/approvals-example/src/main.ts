/**
 * `npm start -w @ratchet/approvals-example` (after `npm run build`): the expense approval on a
 * fresh SQLite file and a Node worker host, printing each event as the host publishes it, what
 * the systems around the workflow do, and each expense's outcome.
 */
import type { WorkflowEvent } from "@ratchet/kernel";
import { runExample } from "./run-example.js";
import type { ExpenseOutcome } from "./workflow.js";

/** One event as a line: run, sequence, type, and the step with what it waits for. */
function describe(event: WorkflowEvent, expenseId: string | undefined): string {
  const p = event.payload;
  const parts = [
    `  [${expenseId ?? event.workflowRunId.slice(0, 8)}] #${String(event.sequence).padStart(2)} ${event.type}`,
  ];
  if (typeof p.stageId === "string") parts.push(p.stageId);
  if (typeof p.kind === "string")
    parts.push(`(${p.kind} ${String(p.name)}${p.key ? ` key ${String(p.key)}` : ""})`);
  return parts.join(" ");
}

function outcome(output: ExpenseOutcome): string {
  const money = `${output.amount.toFixed(2)} ${output.currency}`;
  const decided = output.approval
    ? ` by ${output.approval.by} at ${output.approval.decidedAt.toISOString()}: "${output.approval.comment ?? ""}"`
    : "";
  return output.outcome === "paid"
    ? `paid ${money} (${output.paymentId}, receipt ${output.receiptUrl}); approved${decided}`
    : `rejected (${output.reason}) ${money}${decided}`;
}

console.log("Ratchet example: expense approvals with a signal by key and the approval webhook\n");
const result = await runExample({
  onEvent: (event, expenseId) => console.log(describe(event, expenseId)),
  onStep: (line) => console.log(`→ ${line}`),
});
console.log("\nOutcomes:");
for (const report of [result.approved, result.rejected])
  console.log(`  ${report.expense.expenseId} ${report.status}: ${outcome(report.output)}`);
console.log("\nOutput of the approved run:");
console.log(JSON.stringify(result.approved.output, null, 2));
const left = result.leftWaiting;
console.log(
  `\n${result.events.length} events in ${result.elapsedMs.toFixed(0)} ms; left waiting: ` +
    `${left.approvals} approvals, ${left.signalWaits} signal waits, ${left.unconsumedSignals} unconsumed signals`,
);
process.exitCode =
  result.approved.status === "COMPLETED" && result.rejected.status === "COMPLETED" ? 0 : 1;
