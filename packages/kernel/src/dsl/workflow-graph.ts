/**
 * Builds and checks a workflow's stage graph: groups in order, where each group goes next
 * (`flow`), the targets control-flow steps may route to, and the schemas along every edge.
 * Both builders (`WorkflowBuilder` and `workflow()`) end here.
 */
import { z } from "zod";
import { WorkflowDefinitionError } from "../errors.js";
import {
  type RetentionMs,
  type RetentionPolicy,
  retentionMs,
  retentionProblem,
} from "../retention.js";
import type { EventSchemas } from "./context.js";
import { fingerprintOf } from "./fingerprint.js";
import { END } from "./flow.js";
import { checkFlowLimits, type FlowLimits } from "./flow-limits.js";
import { type RetryOverrides, retryOverrides, type StageRetryPolicy } from "./retry-policy.js";
import { findIncompatibilities } from "./schema-compat.js";
import { type AnyStage, checkEvents } from "./stage.js";
import {
  compareVersions,
  DEFAULT_WORKFLOW_VERSION,
  isWorkflowVersion,
  keepOutputsByStageId,
  type MigrateRun,
  type WorkflowMigration,
} from "./versioning.js";
import type { AnyWorkflow, ConcurrencyLimit } from "./workflow-model.js";

/** Where a group goes when it closes, as written: a stage id, or the end of the run. */
export interface GroupNext {
  next?: string;
  end?: boolean;
}

/** Everything a workflow is built from. */
export interface WorkflowGraphDefinition {
  id: string;
  /** Default {@link DEFAULT_WORKFLOW_VERSION}. */
  version?: string | number | undefined;
  /** Migrations from older versions: `from` → how to map a run (default: keep outputs by id). */
  migrations?: readonly { from: string | number; migrate?: MigrateRun | undefined }[] | undefined;
  name: string;
  description: string;
  inputSchema: z.ZodType;
  outputSchema: z.ZodType;
  groups: AnyStage[][];
  /** Per group (same indexes); missing: the following group, or the end after the last. */
  nexts?: readonly (GroupNext | undefined)[];
  defaultRetry?: StageRetryPolicy | undefined;
  timeoutMs?: number | undefined;
  concurrency?: ConcurrencyLimit | undefined;
  /** Start rate limit or throttle and default priority (see `FlowLimits`). */
  flowLimits?: FlowLimits | undefined;
  retention?: RetentionPolicy | undefined;
  /** Custom events any stage may emit (`ctx.emit`), by name. */
  events?: EventSchemas | undefined;
}

const WORKFLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function fail(code: string, message: string, details: Record<string, string>): never {
  throw new WorkflowDefinitionError(code, `[ratchet] ${message}`, details);
}

/**
 * Checks a definition and returns the workflow. Throws {@link WorkflowDefinitionError} with
 * a stable code naming what is wrong: `INVALID_WORKFLOW_ID`, `EMPTY_WORKFLOW`,
 * `EMPTY_PARALLEL_GROUP`, `DUPLICATE_STAGE_ID`, `UNKNOWN_NEXT_STAGE`, `UNKNOWN_ROUTE_TARGET`,
 * `ROUTING_STAGE_IN_PARALLEL_GROUP`, `UNREACHABLE_STAGE`, `INVALID_TIMEOUT`,
 * `INVALID_CONCURRENCY`, `INVALID_RETENTION`, `INVALID_RETRY_POLICY`, `INCOMPATIBLE_SCHEMAS`, `INVALID_WORKFLOW_VERSION`
 * or `INVALID_MIGRATION`.
 */
export function buildWorkflow(def: WorkflowGraphDefinition): AnyWorkflow {
  const { id } = def;
  if (!WORKFLOW_ID.test(id))
    fail("INVALID_WORKFLOW_ID", `workflow id ${JSON.stringify(id)} is invalid`, {
      workflowId: id,
      field: "id",
    });
  if (def.groups.length === 0)
    fail("EMPTY_WORKFLOW", `workflow "${id}" has no stages`, { workflowId: id });
  const index = indexStages(id, def.groups);
  const groupOf = (stageId: string) => index.get(stageId)?.groupIndex;

  const flow = def.groups.map((group, g) => {
    const spec = def.nexts?.[g];
    if (spec?.end) return END;
    if (spec?.next !== undefined) {
      const target = groupOf(spec.next);
      if (target === undefined)
        fail(
          "UNKNOWN_NEXT_STAGE",
          `workflow "${id}": the next step of "${(group[0] as AnyStage).id}" is "${spec.next}", which is not a stage of the workflow`,
          { workflowId: id, stageId: (group[0] as AnyStage).id, field: "next" },
        );
      return target;
    }
    return g + 1 < def.groups.length ? g + 1 : END;
  });

  // Every edge of the graph: the group's own next, plus where its routing stage may go.
  const edges = def.groups.map((group, g) => {
    const out = new Set<number>([flow[g] as number]);
    for (const stage of group) {
      if (!stage.flow) continue;
      if (group.length > 1)
        fail(
          "ROUTING_STAGE_IN_PARALLEL_GROUP",
          `workflow "${id}": control-flow step "${stage.id}" must run alone, not in a parallel group`,
          { workflowId: id, stageId: stage.id },
        );
      for (const target of stage.flow.routes) {
        const to = groupOf(target);
        if (to === undefined)
          fail(
            "UNKNOWN_ROUTE_TARGET",
            `workflow "${id}": step "${stage.id}" may go to "${target}", which is not a stage of the workflow`,
            { workflowId: id, stageId: stage.id, field: "next" },
          );
        out.add(to);
      }
    }
    return [...out];
  });
  assertReachable(id, def.groups, edges);
  checkSchemas(def, edges);

  const defaultRetry = def.defaultRetry
    ? retryOverrides(def.defaultRetry, `workflow "${id}" default`, { workflowId: id })
    : undefined;
  const retries = new Map<string, RetryOverrides | undefined>();
  for (const [stageId, { stage }] of index) {
    retries.set(
      stageId,
      defaultRetry || stage.retry ? Object.freeze({ ...defaultRetry, ...stage.retry }) : undefined,
    );
  }
  if (
    def.timeoutMs !== undefined &&
    !(Number.isInteger(def.timeoutMs) && (def.timeoutMs as number) > 0)
  )
    fail("INVALID_TIMEOUT", `workflow "${id}": timeout must be a positive whole number of ms`, {
      workflowId: id,
      field: "timeout",
    });
  const concurrency = def.concurrency;
  if (
    concurrency !== undefined &&
    (!Number.isInteger(concurrency.limit) ||
      concurrency.limit < 1 ||
      (concurrency.key !== undefined && typeof concurrency.key !== "function"))
  )
    fail(
      "INVALID_CONCURRENCY",
      `workflow "${id}": concurrency needs an integer limit >= 1 and, optionally, a key function`,
      { workflowId: id, field: "concurrency" },
    );
  const flowLimits = def.flowLimits
    ? checkFlowLimits(id, def.flowLimits, concurrency?.key, concurrency !== undefined)
    : {};
  const retention = checkRetention(id, def.retention);
  const version = checkVersion(id, def.version);
  const stageIds = new Set(index.keys());
  const migrations = checkMigrations(id, version, def.migrations ?? [], stageIds);
  const jumps = flow.some((to, g) => to !== (g + 1 < flow.length ? g + 1 : END));
  const routes = def.groups.some((group) => group.some((stage) => stage.flow));
  return Object.freeze({
    id,
    version,
    fingerprint: fingerprintOf({
      inputSchema: def.inputSchema,
      outputSchema: def.outputSchema,
      groups: def.groups,
      flow,
    }),
    migrations,
    name: def.name,
    description: def.description,
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
    groups: Object.freeze(def.groups.map((g) => Object.freeze([...g]))),
    flow: Object.freeze(flow),
    branching: jumps || routes,
    getStage: (stageId: string) => index.get(stageId),
    defaultRetry,
    retryOf: (stageId: string) => retries.get(stageId),
    timeoutMs: def.timeoutMs,
    concurrency: concurrency ? Object.freeze({ ...concurrency }) : undefined,
    flowLimits: Object.freeze(flowLimits),
    retention,
    ...(def.events ? { events: checkEvents(def.events, `workflow "${id}"`) } : {}),
  });
}

function checkRetention(id: string, policy: RetentionPolicy | undefined): RetentionMs | undefined {
  if (policy === undefined) return undefined;
  const problem = retentionProblem(policy);
  if (problem)
    fail(
      "INVALID_RETENTION",
      `workflow "${id}": retention${problem.field ? `.${problem.field}` : ""} ${problem.message}`,
      { workflowId: id, field: problem.field ? `retention.${problem.field}` : "retention" },
    );
  return retentionMs(policy);
}

function checkVersion(id: string, raw: string | number | undefined): string {
  const version = raw === undefined ? DEFAULT_WORKFLOW_VERSION : String(raw);
  if (!isWorkflowVersion(version))
    fail(
      "INVALID_WORKFLOW_VERSION",
      `workflow "${id}": version ${JSON.stringify(version)} is invalid (letters, digits, ".", "_", "-", "+"; at most 64)`,
      { workflowId: id, field: "version" },
    );
  return version;
}

function checkMigrations(
  id: string,
  version: string,
  declared: NonNullable<WorkflowGraphDefinition["migrations"]>,
  stageIds: ReadonlySet<string>,
): readonly WorkflowMigration[] {
  const seen = new Set<string>();
  const migrations = declared.map((entry) => {
    const from = String(entry.from);
    if (!isWorkflowVersion(from) || compareVersions(from, version) >= 0 || seen.has(from))
      fail(
        "INVALID_MIGRATION",
        `workflow "${id}" version ${version}: a migration must come from an older version, once each (got ${JSON.stringify(from)})`,
        { workflowId: id, field: "migrations" },
      );
    if (entry.migrate !== undefined && typeof entry.migrate !== "function")
      fail("INVALID_MIGRATION", `workflow "${id}": a migration's migrate must be a function`, {
        workflowId: id,
        field: "migrations",
      });
    seen.add(from);
    return Object.freeze({ from, migrate: entry.migrate ?? keepOutputsByStageId(stageIds) });
  });
  return Object.freeze(migrations);
}

function indexStages(
  id: string,
  groups: readonly AnyStage[][],
): Map<string, { stage: AnyStage; groupIndex: number }> {
  const index = new Map<string, { stage: AnyStage; groupIndex: number }>();
  groups.forEach((group, groupIndex) => {
    if (group.length === 0)
      fail(
        "EMPTY_PARALLEL_GROUP",
        `workflow "${id}" has an empty parallel group at position ${groupIndex}`,
        { workflowId: id },
      );
    for (const stage of group) {
      if (index.has(stage.id))
        fail("DUPLICATE_STAGE_ID", `workflow "${id}" uses stage id "${stage.id}" twice`, {
          workflowId: id,
          stageId: stage.id,
        });
      index.set(stage.id, { stage, groupIndex });
    }
  });
  return index;
}

/** Every group must be reachable from the first: a step that can never run is a mistake. */
function assertReachable(
  id: string,
  groups: readonly AnyStage[][],
  edges: readonly number[][],
): void {
  const seen = new Set<number>([0]);
  const queue = [0];
  while (queue.length > 0) {
    const g = queue.pop() as number;
    for (const to of edges[g] ?? []) {
      if (to === END || seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  groups.forEach((group, g) => {
    if (seen.has(g)) return;
    const stage = group[0] as AnyStage;
    fail(
      "UNREACHABLE_STAGE",
      `workflow "${id}": no path leads to step "${stage.id}" (an earlier step ends the run or jumps past it)`,
      { workflowId: id, stageId: stage.id },
    );
  });
}

/** What a group hands on: its stage's output, or an object of its stages' outputs. */
function producedBy(group: readonly AnyStage[]): { schema: z.ZodType; label: string } {
  if (group.length === 1) {
    const only = group[0] as AnyStage;
    // A pass-through step hands on whatever it received: nothing to check past it.
    if (only.flow?.passThrough) return { schema: z.any(), label: `step "${only.id}" output` };
    return { schema: only.schemas.output, label: `stage "${only.id}" output` };
  }
  return {
    schema: z.object(Object.fromEntries(group.map((s) => [s.id, s.schemas.output]))),
    label: `parallel group (${group.map((s) => s.id).join(", ")})`,
  };
}

/** The schemas along every edge: what a group hands on must fit where it may go. */
function checkSchemas(def: WorkflowGraphDefinition, edges: readonly number[][]): void {
  const { id, groups } = def;
  for (const stage of groups[0] as AnyStage[]) {
    assertFits(id, def.inputSchema, "the workflow input", stage.schemas.input, stage);
  }
  groups.forEach((group, g) => {
    const produced = producedBy(group);
    for (const to of edges[g] ?? []) {
      if (to === END) {
        assertFits(id, produced.schema, produced.label, def.outputSchema, undefined);
        continue;
      }
      for (const stage of groups[to] as AnyStage[])
        assertFits(id, produced.schema, produced.label, stage.schemas.input, stage);
    }
  });
}

function assertFits(
  workflowId: string,
  from: z.ZodType,
  fromLabel: string,
  to: z.ZodType,
  stage: AnyStage | undefined,
): void {
  const problems = findIncompatibilities(from, to);
  const first = problems[0];
  if (!first) return;
  const toLabel = stage ? `stage "${stage.id}" input` : "the workflow output";
  const details = problems.map((p) => p.message).join("; ");
  throw new WorkflowDefinitionError(
    "INCOMPATIBLE_SCHEMAS",
    `[ratchet] workflow "${workflowId}": ${fromLabel} does not fit ${toLabel}: ${details}`,
    {
      workflowId,
      ...(stage === undefined ? {} : { stageId: stage.id }),
      ...(first.path === "" ? {} : { field: first.path }),
    },
  );
}
