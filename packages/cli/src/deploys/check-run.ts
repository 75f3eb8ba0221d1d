/**
 * Whether a deploy would strand one run in flight: the definitions about to be deployed (a
 * registry over the module's workflows) against the definition the run started on.
 *
 * - `ok`: the module registers the run's exact version and fingerprint (or the run was stored
 *   before versions, which any version of its workflow serves).
 * - `needs-migration`: it does not, but a `run.migrate` dry run to the module's newest version
 *   plans the move — run `ratchet runs migrate` before the old workers go.
 * - `stranded`: it does not, and the dry run refuses (no migration declared, a stage being
 *   executed, …): no worker of the new deploy would ever take the run.
 * - `not-checked`: the module does not contain the workflow at all (other workers serve it).
 */
import {
  type DefinitionVersion,
  type Kernel,
  RatchetError,
  type RunRecord,
  type WorkflowRegistry,
} from "@ratchet/kernel";

/** A run's verdict, see the module comment. */
export type Verdict = "ok" | "needs-migration" | "stranded" | "not-checked";

/** The verdict on one run in flight. */
export interface RunCheck {
  run: RunRecord;
  verdict: Verdict;
  /** For `stranded`: why the dry run refused to move it. */
  reason?: string;
  /** For `needs-migration` and `stranded`: the definition the dry run tried to move it to. */
  to?: DefinitionVersion;
}

/**
 * The verdict on `run` against the definitions of `registry`; `kernel` (built over the same
 * registry) dry-runs `run.migrate`. `undefined` for a run that vanished meanwhile.
 */
export async function checkRun(
  kernel: Kernel,
  registry: WorkflowRegistry,
  run: RunRecord,
): Promise<RunCheck | undefined> {
  if (registry.getWorkflow(run.workflowId) === undefined) return { run, verdict: "not-checked" };
  if (run.fingerprint === "" || registry.getDefinition(run) !== undefined)
    return { run, verdict: "ok" };
  let result: Awaited<ReturnType<typeof dryRun>>;
  try {
    result = await dryRun(kernel, run.id);
  } catch (error) {
    if (error instanceof RatchetError && error.code === "RUN_NOT_FOUND") return undefined;
    throw error;
  }
  switch (result.outcome) {
    case "planned":
      return { run, verdict: "needs-migration", to: result.to };
    case "refused":
      return { run, verdict: "stranded", reason: result.reason ?? "refused", to: result.to };
    default:
      // Skipped: it ended or was moved to the newest version meanwhile; nothing is stranded.
      return { run, verdict: "ok" };
  }
}

/** `run.migrate` to the newest registered version, without writing. */
function dryRun(kernel: Kernel, workflowRunId: string) {
  return kernel.dispatch({ type: "run.migrate", workflowRunId, dryRun: true });
}
