/**
 * What the signal test reads back once every run ended: the runs' outputs against the
 * signals the sender sent, completion events per run and per stage, the ledger's executions,
 * the stored signals (who consumed each, and when against when it was sent), and anything
 * still waiting.
 */
import { decodeValue } from "@ratchet/kernel";
import type { PrismaStack } from "@ratchet/prisma";

/** What the sender reported for one signal (one `SENT <json>` line). */
export interface SentSignal {
  id: number;
  runId: string;
  planned: "early" | "late";
  status: "delivered" | "buffered" | "duplicate";
  signalId: string;
  token: string;
}

/** What the stored rows say. */
export interface SignalReport {
  runs: number;
  completed: number;
  /** Runs whose output is not `{ id, payload: { id, token }, signalId }` of their own signal. */
  wrongOutputs: string[];
  /** Runs without exactly one `workflow.completed` event. */
  completionEventsNotOne: number;
  /** Distinct (run, stage) pairs with a `workflow.step.completed` event, and those with more than one. */
  stepsCompleted: number;
  stepsCompletedTwice: number;
  /** Distinct (run, stage) pairs in the ledger, those executed more than once, and the workers seen. */
  executed: number;
  executedTwice: number;
  workers: number;
  stages: number;
  stagesNotCompleted: number;
  waitsLeft: number;
  signals: {
    stored: number;
    consumed: number;
    /** Distinct stage records that consumed a signal. */
    consumers: number;
    /** Consumed by a stage that is not its run's `payment` step. */
    wrongConsumer: number;
    /** Reported `delivered` but not consumed in the sending transaction (consumed_at ≠ sent_at). */
    deliveredLater: number;
    /** Reported `buffered` and consumed before it was sent (impossible). */
    bufferedEarlier: number;
    /** Buffered signals sent before `prepare` started, and while it ran (by the ledger). */
    bufferedBeforePrepare: number;
    bufferedDuringPrepare: number;
  };
}

const EXPECTED_STAGES = ["prepare", "payment", "finish"] as const;

/** Reads the rows and compares them with what the sender sent. */
export async function readSignalReport(
  stack: PrismaStack,
  sent: readonly SentSignal[],
): Promise<SignalReport> {
  const query = <T>(sql: string) => stack.prisma.$queryRawUnsafe<T[]>(sql);
  const byRun = new Map(sent.map((s) => [s.runId, s]));
  const runs = await query<{ id: string; status: string; input: string; output: string | null }>(
    "SELECT id, status, input, output FROM ratchet_runs",
  );
  const wrongOutputs: string[] = [];
  for (const run of runs) {
    const signal = byRun.get(run.id);
    const input = decodeValue(JSON.parse(run.input)) as { id: number };
    const output = run.output === null ? null : decodeValue(JSON.parse(run.output));
    const expected = signal && {
      id: input.id,
      payload: { id: input.id, token: signal.token },
      signalId: signal.signalId,
    };
    if (!expected || signal.id !== input.id || JSON.stringify(output) !== JSON.stringify(expected))
      wrongOutputs.push(`${run.id} (input ${input.id}): ${JSON.stringify(output)}`);
  }
  const events = await query<{ run_id: string; type: string; stage: string | null; n: bigint }>(
    `SELECT run_id, type, payload::jsonb ->> 'stageId' AS stage, count(*) AS n FROM ratchet_outbox
     WHERE type IN ('workflow.completed', 'workflow.step.completed') GROUP BY 1, 2, 3`,
  );
  const completions = new Map(
    events.filter((e) => e.type === "workflow.completed").map((e) => [e.run_id, Number(e.n)]),
  );
  const steps = events.filter((e) => e.type === "workflow.step.completed");
  const ledger = await query<{ run_id: string; stage_id: string; n: bigint; workers: string[] }>(
    `SELECT run_id, stage_id, count(*) AS n, array_agg(DISTINCT worker) AS workers
     FROM signal_ledger GROUP BY 1, 2`,
  );
  const [stages] = await query<{ n: bigint; open: bigint }>(
    "SELECT count(*) AS n, count(*) FILTER (WHERE status <> 'COMPLETED') AS open FROM ratchet_stages",
  );
  const [waits] = await query<{ n: bigint }>("SELECT count(*) AS n FROM ratchet_signal_waits");
  return {
    runs: runs.length,
    completed: runs.filter((r) => r.status === "COMPLETED").length,
    wrongOutputs,
    completionEventsNotOne: runs.filter((r) => completions.get(r.id) !== 1).length,
    stepsCompleted: steps.filter((s) => EXPECTED_STAGES.includes(s.stage as never)).length,
    stepsCompletedTwice: steps.filter((s) => Number(s.n) > 1).length,
    executed: ledger.length,
    executedTwice: ledger.filter((l) => Number(l.n) > 1).length,
    workers: new Set(ledger.flatMap((l) => l.workers)).size,
    stages: Number(stages?.n ?? 0),
    stagesNotCompleted: Number(stages?.open ?? 0),
    waitsLeft: Number(waits?.n ?? 0),
    signals: await readSignals(stack, byRun),
  };
}

async function readSignals(
  stack: PrismaStack,
  byRun: ReadonlyMap<string, SentSignal>,
): Promise<SignalReport["signals"]> {
  const rows = await stack.prisma.$queryRawUnsafe<
    Array<{
      id: string;
      run_id: string;
      sent_at: Date;
      consumed_at: Date | null;
      consumed_by: string | null;
      stage_run: string | null;
      stage_id: string | null;
      prepared_at: Date | null;
    }>
  >(
    `SELECT s.id, s.run_id, s.sent_at, s.consumed_at, s.consumed_by,
            st.run_id AS stage_run, st.stage_id,
            (SELECT min(l.at) FROM signal_ledger l
              WHERE l.run_id = s.run_id AND l.stage_id = 'prepare') AS prepared_at
     FROM ratchet_signals s LEFT JOIN ratchet_stages st ON st.id = s.consumed_by`,
  );
  const status = (row: { run_id: string }) => byRun.get(row.run_id)?.status;
  const buffered = rows.filter((r) => status(r) === "buffered");
  const preparedAfter = (r: (typeof rows)[number]) =>
    r.prepared_at !== null && r.sent_at.getTime() < r.prepared_at.getTime();
  return {
    stored: rows.length,
    consumed: rows.filter((r) => r.consumed_by !== null && r.consumed_at !== null).length,
    consumers: new Set(rows.map((r) => r.consumed_by).filter((c) => c !== null)).size,
    wrongConsumer: rows.filter((r) => r.stage_run !== r.run_id || r.stage_id !== "payment").length,
    deliveredLater: rows.filter(
      (r) => status(r) === "delivered" && r.consumed_at?.getTime() !== r.sent_at.getTime(),
    ).length,
    bufferedEarlier: buffered.filter(
      (r) => r.consumed_at !== null && r.consumed_at.getTime() < r.sent_at.getTime(),
    ).length,
    bufferedBeforePrepare: buffered.filter(preparedAfter).length,
    bufferedDuringPrepare: buffered.filter((r) => !preparedAfter(r)).length,
  };
}
