/**
 * `run.claimPending` through the persistence's {@link RunStarter}: when every workflow this
 * kernel claims for starts the same way whatever the run (no start hooks, no run timeout; the
 * caller checks there are no concurrency limits or start rates), the claim and everything it
 * writes go to the store as one atomic step — on PostgreSQL one statement instead of
 * `BEGIN`, the claim, the writes and `COMMIT`. The stage records, jobs and events are then
 * rebuilt here from the same ids with the same functions the transactional path uses
 * (`newGroup`, `pendingEvent`), for the result, the leased jobs' snapshots and the ready-work
 * notices.
 */
import { hasStartHook } from "../dsl/hooks.js";
import { refOf } from "../dsl/registry.js";
import { routeKey } from "../dsl/versioning.js";
import type { AnyWorkflow } from "../dsl/workflow.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { definitionOf } from "../internal/run/definition.js";
import { type Continuation, newGroup } from "../internal/run/progression.js";
import { pendingEvent, publishReady, readyJob } from "../internal/tx/unit-of-work.js";
import type { ReadyWork } from "../ports/job-publisher.js";
import type { RouteStart, RunStarter, StartStage } from "../ports/run-starter.js";
import { type DequeuedJob, newStageRecord, type RunRecord } from "../records.js";
import { handedJob } from "./job-execute/continuation.js";

/** What a claim through the starter returns (a `RunClaimPendingResult`). */
export interface StarterClaimResult {
  claimed: Array<{ workflowRunId: string; workflowId: string; jobIds: string[] }>;
  jobs?: DequeuedJob[];
}

/** The event a started run gets (as the transactional path appends it). */
const STARTED = "workflow.started";

/** The first groups of every route a kernel claims for (see {@link routeStartsOf}). */
interface RouteStarts {
  /** Per route: its definition and its first group's stages. */
  routes: ReadonlyMap<string, { workflow: AnyWorkflow; stages: readonly StartStage[] }>;
  /** Ids per claimed run: twice the largest first group, plus the event's. */
  idStride: number;
  /** `starts` for the last worker that claimed (a worker claims under one id). */
  last?: { workerId: string; starts: ReadonlyMap<string, RouteStart> };
}

const STARTS = new WeakMap<object, { options: object; starts: RouteStarts | null }>();

/** A run that stands for any run of `workflow` when its first group's shape is read. */
const shapeRun = (workflow: AnyWorkflow): RunRecord =>
  ({
    id: "",
    workflowId: workflow.id,
    workflowVersion: workflow.version,
    fingerprint: workflow.fingerprint,
    priority: 0,
    createdAt: new Date(0),
  }) as RunRecord;

/**
 * The first groups of the routes this kernel claims, or `null` when some registered workflow
 * does not start the same way for every run (start hooks, a run timeout) or has no first group.
 * Cached per registry and options.
 */
export function routeStartsOf(deps: KernelDeps): RouteStarts | null {
  const cached = STARTS.get(deps.registry);
  if (cached?.options === deps.options) return cached.starts;
  const starts = buildRouteStarts(deps);
  STARTS.set(deps.registry, { options: deps.options, starts });
  return starts;
}

function buildRouteStarts(deps: KernelDeps): RouteStarts | null {
  const registry = deps.registry;
  const byRoute = new Map<string, AnyWorkflow>();
  for (const workflow of registry.list()) byRoute.set(routeKey(refOf(workflow)), workflow);
  const routes = new Map<string, { workflow: AnyWorkflow; stages: readonly StartStage[] }>();
  let widest = 0;
  for (const route of registry.routes()) {
    // A bare workflow id stands for the runs stored before versions: they run on the newest.
    const workflow = byRoute.get(route) ?? registry.getWorkflow(route);
    if (!workflow || hasStartHook(workflow.hooks) || workflow.timeoutMs !== undefined) return null;
    const noIds = { newId: () => "", options: deps.options };
    const { jobs } = newGroup(noIds, shapeRun(workflow), workflow, 0, new Date(0));
    if (jobs.length === 0) return null;
    widest = Math.max(widest, jobs.length);
    routes.set(route, {
      workflow,
      stages: jobs.map((job) => ({
        stageId: job.stageId,
        maxAttempts: job.maxAttempts,
        payload: job.payload,
      })),
    });
  }
  return { routes, idStride: 2 * widest + 1 };
}

/** `starts` for `workerId`: each route's stages and its `workflow.started` event. */
function startsFor(plan: RouteStarts, workerId: string): ReadonlyMap<string, RouteStart> {
  if (plan.last?.workerId === workerId) return plan.last.starts;
  const starts = new Map<string, RouteStart>();
  for (const [route, { workflow, stages }] of plan.routes) {
    const run = { workflowId: workflow.id };
    const event = pendingEvent({ newId: () => "" }, run, STARTED, { workerId }, new Date(0));
    starts.set(route, { stages, event: { type: event.type, payload: event.payload } });
  }
  plan.last = { workerId, starts };
  return starts;
}

/**
 * Claims up to `maxClaims` runs through `starter` and builds the command's result: the claimed
 * runs with their job ids, and the jobs leased to the worker (up to `continueWith`) with
 * snapshots of their runs as committed.
 */
export async function claimThroughStarter(
  command: { workerId: string; leaseMs?: number },
  deps: KernelDeps,
  starter: RunStarter,
  plan: RouteStarts,
  maxClaims: number,
  continueWith: number,
): Promise<StarterClaimResult> {
  const now = deps.clock.now();
  const idStride = plan.idStride;
  const ids = new Array<string>(maxClaims * idStride);
  for (let i = 0; i < ids.length; i++) ids[i] = deps.newId();
  const leaseMs = command.leaseMs ?? deps.options.jobLeaseMs;
  const started = await starter.claimAndStart({
    limit: maxClaims,
    now,
    starts: startsFor(plan, command.workerId),
    ids,
    idStride,
    workerId: command.workerId,
    continueWith,
    leaseUntil: new Date(now.getTime() + leaseMs),
  });
  const result: StarterClaimResult = { claimed: [] };
  const leased: DequeuedJob[] = [];
  const ready: ReadyWork[] = [];
  for (const { run, slot, leased: leasedCount } of started) {
    const workflow = definitionOf(deps, run);
    let next = slot * idStride;
    const sameIds = { newId: () => ids[next++] as string, options: deps.options };
    const continuation: Continuation | undefined =
      leasedCount > 0 ? { workerId: command.workerId, max: leasedCount, leaseMs } : undefined;
    const group = newGroup(sameIds, run, workflow, 0, now, continuation);
    result.claimed.push({
      workflowRunId: run.id,
      workflowId: run.workflowId,
      jobIds: group.jobs.map((job) => job.jobId),
    });
    for (const job of group.jobs) {
      if (job.claimedBy) {
        const stages = group.stages.map(newStageRecord);
        leased.push(handedJob(job, { run, stages }));
      } else if (deps.jobPublisher) ready.push(readyJob(job));
    }
  }
  if (leased.length > 0) result.jobs = leased;
  if (deps.jobPublisher && ready.length > 0) await publishReady(deps.jobPublisher, ready);
  return result;
}
