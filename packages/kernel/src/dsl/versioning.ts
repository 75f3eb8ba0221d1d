/**
 * Workflow versions: the version an author gives a workflow, how versions are ordered, the route
 * key that ties a run (and its jobs) to the one definition that may run it, and the migrations a
 * newer version declares for runs of an older one.
 */

import { stableHash } from "../internal/values/stable-hash.js";
import { RefMap } from "./ref-map.js";

/** The version of a workflow that sets none. */
export const DEFAULT_WORKFLOW_VERSION = "1";

/** Letters, digits, `.`, `_`, `-` and `+`; 1–64 characters (e.g. `2`, `2024-06-01`, `1.4.0`). */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Whether `version` is a valid workflow version. */
export function isWorkflowVersion(version: string): boolean {
  return VERSION.test(version);
}

/**
 * Orders versions naturally: runs of digits compare as numbers, the rest as text, so `2` <
 * `10` and `1.9` < `1.10`. Negative when `a` is older than `b`.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d/.test(y) ? Number(y) : Number.NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** What identifies the definition a run started on. */
export interface DefinitionRef {
  workflowId: string;
  /** The workflow's version; `""` for a run stored before runs recorded versions. */
  workflowVersion: string;
  /** The stage graph's fingerprint; `""` for a run stored before runs recorded versions. */
  fingerprint: string;
}

/**
 * The route key of a definition: 8 characters (48 bits, base64url) hashing its workflow id,
 * version and fingerprint. Runs and jobs store it, and a worker claims only rows whose key is one
 * of the definitions it registered. It is short on purpose: it sits in the claim and dequeue
 * indexes, written with every job — a `workflowId@version#fingerprint` key cost 7% of
 * PostgreSQL's throughput on W1, a 16-digit one still 5%, this one about 1%. Two definitions
 * sharing a key (odds of 1 in 2^48 per pair) would only hand a worker jobs it then gives back:
 * a run's definition is looked up by its full identity ({@link definitionId}). A run stored
 * before runs recorded versions has the bare workflow id as its key, which every worker with that
 * workflow serves (on its newest version).
 */
export function routeKey(ref: DefinitionRef): string {
  if (ref.fingerprint === "") return ref.workflowId;
  let key = ROUTE_KEYS.get(ref);
  if (key === undefined) {
    // Few definitions exist at a time: the memo only grows past its bound after many deploys.
    if (ROUTE_KEYS.size >= MAX_ROUTE_KEYS) ROUTE_KEYS.clear();
    key = base64url48(stableHash([ref.workflowId, ref.workflowVersion, ref.fingerprint]));
    ROUTE_KEYS.set(ref, key);
  }
  return key;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The first 48 bits of a hex digest as 8 base64url characters. */
function base64url48(hex: string): string {
  let out = "";
  for (let i = 0; i < 12; i += 3) {
    const bits = Number.parseInt(hex.slice(i, i + 3), 16);
    out += BASE64URL[bits >> 6] + (BASE64URL[bits & 63] as string);
  }
  return out;
}

/** Route keys by definition: every job enqueued asks for its run's. */
const ROUTE_KEYS = new RefMap<string>();
const MAX_ROUTE_KEYS = 1_024;

/**
 * A definition's full identity, `workflowId@version#fingerprint`: what a worker looks a run's
 * definition up by (a route key only narrows down which rows it is handed).
 */
export function definitionId(ref: DefinitionRef): string {
  return `${ref.workflowId}@${ref.workflowVersion}#${ref.fingerprint}`;
}

/** A definition's version and fingerprint as people read them: `2 (3f9c…)`. */
export function describeDefinition(ref: Pick<DefinitionRef, "workflowVersion" | "fingerprint">) {
  return ref.fingerprint === ""
    ? "(unversioned)"
    : `version ${ref.workflowVersion} (fingerprint ${ref.fingerprint})`;
}

/** A waiting run of an older definition, as a migration sees it. */
export interface MigrationSource {
  /** The version and fingerprint the run started on. */
  workflowVersion: string;
  fingerprint: string;
  /** The run's input (decoded). */
  input: unknown;
  /** Outputs of the stages the run completed, by stage id (decoded). */
  outputs: Readonly<Record<string, unknown>>;
  /** The stages of the group the run is in (not completed). */
  pending: readonly string[];
}

/** How a migrated run continues on the new definition. */
export interface MigrationPlan {
  /** The run's input from now on (default: unchanged). */
  input?: unknown;
  /**
   * Outputs of the new definition's stages that count as completed, by stage id; each must fit
   * its stage's output schema. Stages left out run on the new definition.
   */
  outputs: Record<string, unknown>;
  /**
   * The stage whose group the run continues with (default: the first group, in order, with a
   * stage that has no output in `outputs`).
   */
  resumeAt?: string;
}

/** Maps a run of an older version to the new graph (pure: it may run again on a retry). */
export type MigrateRun = (run: MigrationSource) => MigrationPlan;

/** A migration a newer version declares for runs of an older one. */
export interface WorkflowMigration {
  /** The older version it takes runs from. */
  readonly from: string;
  /**
   * Maps the run; default: keep the outputs of the stages whose ids the new definition still
   * has.
   */
  readonly migrate: MigrateRun;
}

/** The default mapping: completed stages whose ids the new graph still has keep their outputs. */
export function keepOutputsByStageId(stageIds: ReadonlySet<string>): MigrateRun {
  return (run) => ({
    outputs: Object.fromEntries(Object.entries(run.outputs).filter(([id]) => stageIds.has(id))),
  });
}
