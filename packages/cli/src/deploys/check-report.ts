/**
 * The deploy check's report: runs in flight grouped by workflow, version, fingerprint and
 * verdict, with counts (and the runs themselves when asked for), the distinct reasons runs
 * would be stranded, and a summary. It takes the runs one at a time as they are checked.
 */
import { compareVersions, type RunStatus } from "@ratchet/kernel";
import type { RunCheck, Verdict } from "./check-run.js";

/** A run as the report lists it. */
export interface CheckedRun {
  id: string;
  status: RunStatus;
  /** Why it would be stranded. */
  reason?: string;
}

/** A reason runs would be stranded, and how many. */
export interface StrandedReason {
  reason: string;
  count: number;
}

/** Runs of one workflow version and fingerprint with one verdict. */
export interface CheckGroup {
  workflowId: string;
  /** `""` (with `fingerprint` `""`) for runs stored before runs recorded versions. */
  workflowVersion: string;
  fingerprint: string;
  verdict: Verdict;
  count: number;
  /** For `needs-migration` and `stranded`: the version the module would move them to. */
  toVersion?: string;
  /** For `stranded`: why, with counts. */
  reasons: StrandedReason[];
  /** The runs (when the report keeps them: `--verbose`, `--json`). */
  runs: CheckedRun[];
}

/** Counts over every run in flight. */
export interface DeployCheckSummary {
  inFlight: number;
  ok: number;
  needsMigration: number;
  stranded: number;
  notChecked: number;
  /** Nothing would be stranded or needs a migration first. */
  passed: boolean;
}

const VERDICT_ORDER: readonly Verdict[] = ["stranded", "needs-migration", "ok", "not-checked"];

/** Collects {@link RunCheck}s into groups. */
export class DeployCheckReport {
  private readonly byKey = new Map<string, CheckGroup & { reasonCounts: Map<string, number> }>();

  /** @param keepRuns keep each run's id, status and reason (else only counts). */
  constructor(private readonly keepRuns: boolean) {}

  /** Adds one checked run. */
  add(check: RunCheck): void {
    const { run } = check;
    const key = [run.workflowId, run.workflowVersion, run.fingerprint, check.verdict].join("\0");
    let group = this.byKey.get(key);
    if (!group) {
      group = {
        workflowId: run.workflowId,
        workflowVersion: run.workflowVersion,
        fingerprint: run.fingerprint,
        verdict: check.verdict,
        count: 0,
        ...(check.to === undefined ? {} : { toVersion: check.to.version }),
        reasons: [],
        runs: [],
        reasonCounts: new Map(),
      };
      this.byKey.set(key, group);
    }
    group.count++;
    if (check.reason !== undefined)
      group.reasonCounts.set(check.reason, (group.reasonCounts.get(check.reason) ?? 0) + 1);
    if (this.keepRuns)
      group.runs.push({
        id: run.id,
        status: run.status,
        ...(check.reason === undefined ? {} : { reason: check.reason }),
      });
  }

  /** The groups: by workflow, then version (oldest first), then verdict (worst first). */
  groups(): CheckGroup[] {
    return [...this.byKey.values()]
      .map(({ reasonCounts, ...group }) => ({
        ...group,
        reasons: [...reasonCounts].map(([reason, count]) => ({ reason, count })),
      }))
      .sort(
        (a, b) =>
          a.workflowId.localeCompare(b.workflowId) ||
          compareVersions(a.workflowVersion, b.workflowVersion) ||
          a.fingerprint.localeCompare(b.fingerprint) ||
          VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict),
      );
  }

  /** The counts. */
  summary(): DeployCheckSummary {
    const count = (verdict: Verdict) =>
      [...this.byKey.values()]
        .filter((g) => g.verdict === verdict)
        .reduce((sum, g) => sum + g.count, 0);
    const summary = {
      ok: count("ok"),
      needsMigration: count("needs-migration"),
      stranded: count("stranded"),
      notChecked: count("not-checked"),
    };
    return {
      inFlight: summary.ok + summary.needsMigration + summary.stranded + summary.notChecked,
      ...summary,
      passed: summary.needsMigration === 0 && summary.stranded === 0,
    };
  }
}
