/**
 * The deploy check: every run in flight (PENDING or RUNNING, page by page) checked against the
 * definitions about to be deployed, into a {@link DeployCheckReport}.
 */
import { type AnyWorkflow, createRegistry, type Kernel, type RunQueries } from "@ratchet/kernel";
import { DeployCheckReport } from "./check-report.js";
import { checkRun } from "./check-run.js";
import { eachRun, IN_FLIGHT_STATUSES } from "./run-pages.js";

/** What {@link checkDeploy} needs. */
export interface CheckDeployOptions {
  /** A kernel over the database that registers exactly `workflows`. */
  kernel: Kernel;
  queries: RunQueries;
  /** The definitions about to be deployed. */
  workflows: readonly AnyWorkflow[];
  /** Keep each run in the report (for `--verbose` and `--json`), not only counts. */
  keepRuns: boolean;
}

/** Checks every run in flight; resolves to the report. */
export async function checkDeploy(options: CheckDeployOptions): Promise<DeployCheckReport> {
  const registry = createRegistry(options.workflows);
  const report = new DeployCheckReport(options.keepRuns);
  for await (const run of eachRun(options.queries, { status: IN_FLIGHT_STATUSES })) {
    const check = await checkRun(options.kernel, registry, run);
    if (check) report.add(check);
  }
  return report;
}
