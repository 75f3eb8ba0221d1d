/**
 * Dynamic fan-out: a map step's items become child runs, all created with the step's
 * suspension — the first `concurrency` `PENDING`, the rest held `SCHEDULED` — with ids
 * `<stage record id>.<index>`, so each child's end knows its place without a lookup. A child's
 * end (through the outbox, like any child's) is counted on the parent's stage in one small
 * update and releases the next held child: a completion reads the parent and its few stage
 * rows, never the other items. The results are read once, in input order, when the last ends.
 */
import { decodeValue } from "../../codec.js";
import type { MapItemResult, MapWaitRequest } from "../../dsl/waits.js";
import { RatchetError } from "../../errors.js";
import { isTerminalRunStatus, type RunRecord, type StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, inTransaction, type UnitOfWork } from "../tx/unit-of-work.js";
import { insertChild, type PreparedChild, prepareChild } from "./child-run.js";
import { childCancelEntry, resumeEntry } from "./correlation.js";
import { decodeWaitState, encodeWaitState, type MapProgress } from "./state.js";

/** Most items one map step may fan out to. */
export const MAX_MAP_ITEMS = 10_000;

const INDEX_DIGITS = 6;
const MAP_CHILD = /^(.+)\.(\d{6})$/;

/** The run id of item `index` of the map whose stage record is `stageRecordId`. */
export function mapChildId(stageRecordId: string, index: number): string {
  return `${stageRecordId}.${String(index).padStart(INDEX_DIGITS, "0")}`;
}

/** The map stage record and index of a map child's run id; `undefined` for any other run. */
export function parseMapChildId(
  runId: string,
): { stageRecordId: string; index: number } | undefined {
  const match = MAP_CHILD.exec(runId);
  return match ? { stageRecordId: match[1] as string, index: Number(match[2]) } : undefined;
}

/** Checks and encodes every item's child run (throws the first item's typed error). */
export function prepareMapChildren(
  deps: KernelDeps,
  parent: RunRecord,
  stageRecordId: string,
  request: MapWaitRequest,
): PreparedChild[] {
  if (request.items.length > MAX_MAP_ITEMS) {
    throw new RatchetError(
      "MAP_TOO_LARGE",
      `[ratchet] a map step fans out to at most ${MAX_MAP_ITEMS} items, got ${request.items.length}`,
      { workflowRunId: parent.id, field: "items" },
    );
  }
  return request.items.map((item, index) =>
    prepareChild(
      deps,
      parent,
      { workflowId: request.workflowId, input: item },
      mapChildId(stageRecordId, index),
    ),
  );
}

/** Inserts the children: the first `concurrency` to run, the rest held. */
export async function insertMapChildren(
  uow: UnitOfWork,
  deps: KernelDeps,
  children: readonly PreparedChild[],
  concurrency: number,
): Promise<void> {
  for (const [index, child] of children.entries())
    await insertChild(uow, deps, child, index >= concurrency);
}

/** The map's progress when it starts. */
export function startProgress(request: MapWaitRequest): MapProgress {
  return {
    workflowId: request.workflowId,
    total: request.items.length,
    next: Math.min(request.concurrency, request.items.length),
    ended: 0,
    concurrency: request.concurrency,
    onError: request.onError,
  };
}

/**
 * Counts map child `childRunId`'s end on its parent's stage (once: the end is stored as the
 * signal `child-end:<child>`), releases the next held child, and — when this was the last, or
 * a failure of a fail-fast map — resolves the wait and cancels what is left.
 * Returns the parent's stage record id when the stage may resume now.
 */
export async function countMapItem(
  deps: KernelDeps,
  parentRunId: string,
  childRunId: string,
  item: MapItemResult,
): Promise<string | undefined> {
  const place = parseMapChildId(childRunId);
  if (!place) return undefined;
  return inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(parentRunId, { forUpdate: true });
    if (!run || isTerminalRunStatus(run.status)) return undefined;
    const record = (await uow.tx.listStages(run.id)).find((r) => r.id === place.stageRecordId);
    const state = record ? decodeWaitState(record.suspendedState) : null;
    if (record?.status !== "SUSPENDED" || !state?.map || state.resolution) return undefined;
    const stored = await uow.tx.appendSignal({
      id: `child-end:${childRunId}`,
      runId: run.id,
      name: `child:${childRunId}`,
      matchKey: null,
      payload: { status: item.status },
      sentAt: uow.now,
    });
    if (!stored) return undefined;
    await uow.tx.markSignalConsumed(`child-end:${childRunId}`, record.id, uow.now);
    const map = { ...state.map, ended: state.map.ended + 1 };
    const failedFast = item.status !== "COMPLETED" && map.onError === "fail-fast";
    const done = failedFast || map.ended >= map.total;
    if (!done && map.next < map.total) {
      await release(uow, mapChildId(record.id, map.next));
      map.next += 1;
    }
    if (failedFast)
      await cancelMapChildren(uow, deps, record.id, map.total, `item ${item.index} failed`);
    const ok = await uow.tx.updateStage(
      record.id,
      {
        suspendedState: encodeWaitState({
          ...state,
          map,
          ...(done ? { resolution: { kind: "map", ...(failedFast ? { failed: item } : {}) } } : {}),
        }),
      },
      { expected: { status: ["SUSPENDED"] }, now: uow.now },
    );
    if (!ok) throw new RatchetError("STALE_MAP", `[ratchet] map stage ${record.id} moved on`);
    if (done) {
      await uow.schedule((scope) =>
        deps.scheduler.schedule(resumeEntry(run.id, record.id, uow.now), scope),
      );
      uow.event(run, "workflow.map.settled", {
        stageId: record.stageId,
        items: map.total,
        ...(failedFast ? { failedItem: item.index } : {}),
      });
      await commitRun(uow, run, {});
    }
    return done ? record.id : undefined;
  });
}

/** Releases a held child to `PENDING` (nothing when it is no longer held: cancelled). */
async function release(uow: UnitOfWork, childRunId: string): Promise<void> {
  const child = await uow.tx.getRun(childRunId, { forUpdate: true });
  if (child?.status !== "SCHEDULED") return;
  uow.event(child, "workflow.due", {});
  await commitRun(uow, child, { status: "PENDING" });
}

/**
 * Cancels every child of a map that has not ended, each in its own transaction through the
 * scheduler (a child that has ended is left alone).
 */
export async function cancelMapChildren(
  uow: UnitOfWork,
  deps: KernelDeps,
  stageRecordId: string,
  total: number,
  reason: string,
): Promise<void> {
  await uow.schedule(async (scope) => {
    for (let index = 0; index < total; index++) {
      const child = mapChildId(stageRecordId, index);
      await deps.scheduler.schedule(childCancelEntry(child, reason, uow.now), scope);
    }
  });
}

/** Every item's end, in input order: one read per item, once, when the map resumes. */
export async function mapResults(
  deps: KernelDeps,
  stageRecordId: string,
  total: number,
): Promise<MapItemResult[]> {
  const results: MapItemResult[] = [];
  for (let index = 0; index < total; index++) {
    const childRunId = mapChildId(stageRecordId, index);
    const child = await deps.persistence.getRun(childRunId);
    const status = child?.status ?? "MISSING";
    const result: MapItemResult = { index, childRunId, status };
    if (child?.status === "COMPLETED") result.output = decodeValue(child.output);
    else if (child?.error) result.error = { code: child.error.code, message: child.error.message };
    results.push(result);
  }
  return results;
}

/** The {@link MapItemResult} of a child run's end event. */
export function itemOf(
  childRunId: string,
  status: string,
  error: StoredError | undefined,
): MapItemResult {
  const place = parseMapChildId(childRunId);
  return {
    index: place?.index ?? -1,
    childRunId,
    status,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  };
}
