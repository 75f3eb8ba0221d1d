/**
 * Workflow registry: the definitions a kernel can run — several versions of one workflow may be
 * registered side by side — and the route keys that say which runs and jobs are its to take.
 */
import { WorkflowDefinitionError } from "../errors.js";
import { RefMap } from "./ref-map.js";
import { compareVersions, type DefinitionRef, definitionId, routeKey } from "./versioning.js";
import type { AnyWorkflow } from "./workflow.js";

/** Looks up the definitions a kernel has. */
export interface WorkflowRegistry {
  /** The newest registered version of a workflow: new runs start on it. */
  getWorkflow(workflowId: string): AnyWorkflow | undefined;
  /**
   * The definition a stored run continues on: same id, version and fingerprint. A run stored
   * before runs recorded versions (empty fingerprint) continues on the newest version.
   */
  getDefinition(ref: DefinitionRef): AnyWorkflow | undefined;
  /** Every registered definition, every version. */
  list(): AnyWorkflow[];
  /**
   * The route keys (see `routeKey`) of the runs and jobs this registry's kernel may take: one per
   * definition, plus each workflow's bare id for runs stored before versions.
   */
  routes(): readonly string[];
}

/**
 * A registry over a fixed list of workflow definitions, and the workflows their child and map
 * steps start (a worker that runs a parent can run its children). Versions of one workflow may
 * be registered together; two different definitions with the same id and version are refused
 * (`DUPLICATE_WORKFLOW_ID`).
 */
export function createRegistry(workflows: readonly AnyWorkflow[]): WorkflowRegistry {
  const versions = new Map<string, AnyWorkflow[]>();
  const exact = new Map<string, AnyWorkflow>();
  // The same definitions for lookups by a run's identity, without building its key.
  const byRef = new RefMap<AnyWorkflow>();
  for (const workflow of withChildren(workflows)) {
    const list = versions.get(workflow.id) ?? [];
    if (list.some((other) => other.version === workflow.version)) {
      throw new WorkflowDefinitionError(
        "DUPLICATE_WORKFLOW_ID",
        `[ratchet] two workflows use the id "${workflow.id}" at version ${workflow.version}`,
        { workflowId: workflow.id },
      );
    }
    list.push(workflow);
    versions.set(workflow.id, list);
    exact.set(definitionId(refOf(workflow)), workflow);
    byRef.set(refOf(workflow), workflow);
  }
  const newest = new Map<string, AnyWorkflow>();
  for (const [id, list] of versions) {
    list.sort((a, b) => compareVersions(a.version, b.version));
    newest.set(id, list[list.length - 1] as AnyWorkflow);
  }
  const routes = Object.freeze(
    [...exact.values()].map((w) => routeKey(refOf(w))).concat([...newest.keys()]),
  );
  const all = [...versions.values()].flat();
  return {
    getWorkflow: (id) => newest.get(id),
    getDefinition: (ref) => (ref.fingerprint === "" ? newest.get(ref.workflowId) : byRef.get(ref)),
    list: () => [...all],
    routes: () => routes,
  };
}

/** A definition's {@link DefinitionRef}. */
export function refOf(workflow: AnyWorkflow): DefinitionRef {
  return {
    workflowId: workflow.id,
    workflowVersion: workflow.version,
    fingerprint: workflow.fingerprint,
  };
}

/**
 * `workflows` and, after them, every workflow their child and map steps start (recursively),
 * without repeats: the same definition twice (same id, version and fingerprint) counts once.
 */
function withChildren(workflows: readonly AnyWorkflow[]): AnyWorkflow[] {
  const seen = new Set<string>();
  const listed = new Set<string>();
  const out: AnyWorkflow[] = [];
  const visit = (workflow: AnyWorkflow, explicit: boolean) => {
    const key = definitionId(refOf(workflow));
    // Listed twice by the caller: kept, so the registry refuses it (DUPLICATE_WORKFLOW_ID).
    if (explicit && listed.has(key)) out.push(workflow);
    if (explicit) listed.add(key);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(workflow);
    for (const stage of workflow.groups.flat()) {
      const child = stage.childWorkflow as AnyWorkflow | undefined;
      if (child) visit(child, false);
    }
  };
  for (const workflow of workflows) visit(workflow, true);
  return out;
}
