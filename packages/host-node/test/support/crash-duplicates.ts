/**
 * Which duplicate executions of the crash test a kill explains. All times are the database
 * server's clock (see `crash-schema.ts`).
 *
 * A stage's executions, in the order they started, are e1, e2, …, ek; each of e2…ek is a
 * duplicate. The duplicate e(i+1) is explained only when the process that ran e(i) was
 * SIGKILLed after e(i) started and before both e(i+1) started and the stage committed: that is
 * the one way a correct engine runs a stage again (the killed worker's lease ran out). Anything
 * else — e(i)'s worker never killed, killed only later, or killed after the stage had
 * committed — is a duplicate the engine caused, and the test fails.
 *
 * A kill is known only within a window, from `sentAt` (read before the signal was sent) to
 * `deadBy` (read after the process was seen gone). A duplicate counts as explained when the
 * window leaves room for the death to fall in the interval above: the test never blames the
 * engine for a kill that may have landed where it should.
 */

/** One stage execution, as the ledger holds it. */
export interface Execution {
  runId: string;
  stageId: string;
  attempt: number;
  pid: number;
  /** The worker that ran it (unique per process the controller started). */
  worker: string;
  /** When its ledger row was inserted: the execution's start. */
  at: Date;
}

/** One SIGKILL the controller sent. */
export interface Kill {
  worker: string;
  /** Read before the signal was sent: the process was alive then. */
  sentAt: Date;
  /** Read after the process was seen gone. */
  deadBy: Date;
}

/** A duplicate execution no kill explains. */
export interface UnexplainedDuplicate {
  runId: string;
  stageId: string;
  /** The execution before the duplicate, whose worker should have died during it. */
  previous: Execution;
  /** The duplicate. */
  duplicate: Execution;
  /** When the stage committed, if it did. */
  committedAt: Date | undefined;
  /** Why no kill explains it. */
  reason: string;
}

/** What {@link classifyDuplicates} found. */
export interface DuplicateReport {
  /** Executions beyond the first, over all stages. */
  duplicates: number;
  unexplained: UnexplainedDuplicate[];
}

const stageKey = (runId: string, stageId: string) => `${runId}:${stageId}`;

/** Why the kill (if any) of `previous`'s worker does not explain `duplicate`, or `undefined`. */
function unexplainedBecause(
  previous: Execution,
  duplicate: Execution,
  kill: Kill | undefined,
  committedAt: Date | undefined,
): string | undefined {
  if (!kill) return `worker ${previous.worker} of the previous execution was never killed`;
  if (kill.deadBy <= previous.at)
    return `worker ${previous.worker} was dead (by ${kill.deadBy.toISOString()}) before the previous execution started`;
  if (kill.sentAt >= duplicate.at)
    return `worker ${previous.worker} was killed (${kill.sentAt.toISOString()}) only after the duplicate started`;
  if (!committedAt) return "the stage never committed";
  if (kill.sentAt >= committedAt)
    return `worker ${previous.worker} was killed (${kill.sentAt.toISOString()}) only after the stage committed`;
  return undefined;
}

/**
 * Sorts every duplicate execution in `executions` into explained or not, given the kills
 * (one per worker) and the first commit time of each stage (keyed `runId:stageId`).
 */
export function classifyDuplicates(
  executions: readonly Execution[],
  kills: ReadonlyMap<string, Kill>,
  commits: ReadonlyMap<string, Date>,
): DuplicateReport {
  const byStage = new Map<string, Execution[]>();
  for (const execution of executions) {
    const key = stageKey(execution.runId, execution.stageId);
    const list = byStage.get(key) ?? [];
    list.push(execution);
    byStage.set(key, list);
  }
  const report: DuplicateReport = { duplicates: 0, unexplained: [] };
  for (const [key, list] of byStage) {
    list.sort((x, y) => x.at.getTime() - y.at.getTime() || x.attempt - y.attempt);
    report.duplicates += list.length - 1;
    const committedAt = commits.get(key);
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1] as Execution;
      const duplicate = list[i] as Execution;
      const reason = unexplainedBecause(
        previous,
        duplicate,
        kills.get(previous.worker),
        committedAt,
      );
      if (reason)
        report.unexplained.push({
          runId: duplicate.runId,
          stageId: duplicate.stageId,
          previous,
          duplicate,
          committedAt,
          reason,
        });
    }
  }
  return report;
}

/** A few unexplained duplicates as readable lines (for a failure message). */
export function describeUnexplained(
  unexplained: readonly UnexplainedDuplicate[],
  max = 20,
): string {
  const exec = (e: Execution) =>
    `${e.worker} (pid ${e.pid}, attempt ${e.attempt}) at ${e.at.toISOString()}`;
  const lines = unexplained
    .slice(0, max)
    .map(
      (u) =>
        `  run ${u.runId} stage ${u.stageId}: ${exec(u.previous)}, then ${exec(u.duplicate)}; committed ${u.committedAt?.toISOString() ?? "never"}: ${u.reason}`,
    );
  if (unexplained.length > max) lines.push(`  … and ${unexplained.length - max} more`);
  return lines.join("\n");
}
