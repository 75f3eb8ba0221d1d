import { describe, expect, it } from "vitest";
import { RunOutboxIndex } from "../../src/in-memory/run-outbox-index.js";
import type { OutboxRow } from "../../src/in-memory/store.js";

const at = new Date(0);

function row(
  id: string,
  runId: string,
  sequence: number,
  patch: Partial<OutboxRow> = {},
): OutboxRow {
  return {
    id,
    runId,
    sequence,
    type: "workflow.custom",
    payload: {},
    occurredAt: at,
    publishedAt: null,
    retryCount: 0,
    availableAt: at,
    dlqAt: null,
    lastError: null,
    seq: sequence,
    ...patch,
  };
}

/** An index over a plain map of rows, written the way `Table` writes it. */
function indexed() {
  const rows = new Map<string, OutboxRow>();
  const index = new RunOutboxIndex((key) => rows.get(key));
  const put = (next: OutboxRow) => {
    const prev = rows.get(next.id);
    rows.set(next.id, next);
    index.update(next.id, prev, next);
  };
  const remove = (id: string) => {
    const prev = rows.get(id);
    rows.delete(id);
    index.update(id, prev, undefined);
  };
  return { index, put, remove };
}

describe("RunOutboxIndex", () => {
  it("finds events by run and sequence and lists a run's events in insertion order", () => {
    const { index, put } = indexed();
    put(row("a2", "a", 2));
    put(row("b1", "b", 1));
    put(row("a1", "a", 1));
    expect(index.get("a", 1)).toBe("a1");
    expect(index.get("a", 2)).toBe("a2");
    expect(index.get("a", 3)).toBeUndefined();
    expect(index.get("c", 1)).toBeUndefined();
    expect([...index.keysOf("a")]).toEqual(["a2", "a1"]);
    expect(index.keysOf("a").size).toBe(2);
    expect(index.keysOf("c").size).toBe(0);
  });

  it("counts and lists unpublished events as they are published, dead-lettered and replayed", () => {
    const { index, put } = indexed();
    put(row("a1", "a", 1));
    put(row("a2", "a", 2));
    put(row("b1", "b", 1));
    expect([...index.unpublished.groupNames()]).toEqual(["a", "b"]);
    put(row("a1", "a", 1, { publishedAt: at }));
    expect(index.unpublished.keysOf("a").size).toBe(1);
    expect([...index.unpublished.keysOf("a")]).toEqual(["a2"]);
    put(row("a2", "a", 2, { dlqAt: at }));
    expect(index.unpublished.keysOf("a").size).toBe(0);
    expect([...index.unpublished.keysOf("a")]).toEqual([]);
    // A run with no unpublished event left leaves the list; it comes back at its end.
    expect([...index.unpublished.groupNames()]).toEqual(["b"]);
    put(row("a2", "a", 2));
    expect([...index.unpublished.groupNames()]).toEqual(["b", "a"]);
    // Its events stay listed whatever their state.
    expect([...index.keysOf("a")]).toEqual(["a1", "a2"]);
  });

  it("forgets deleted events, and a run with none left", () => {
    const { index, put, remove } = indexed();
    put(row("a1", "a", 1));
    put(row("a2", "a", 2, { publishedAt: at }));
    remove("a1");
    expect(index.get("a", 1)).toBeUndefined();
    expect(index.unpublished.keysOf("a").size).toBe(0);
    expect([...index.unpublished.groupNames()]).toEqual([]);
    remove("a2");
    expect(index.keysOf("a").size).toBe(0);
    put(row("a3", "a", 3));
    expect(index.get("a", 3)).toBe("a3");
    expect([...index.unpublished.groupNames()]).toEqual(["a"]);
  });
});
