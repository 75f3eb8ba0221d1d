import { describe, expect, it } from "vitest";
import { FreshKeyTable } from "../../src/in-memory/fresh-key-table.js";
import { createInMemoryPersistence } from "../../src/in-memory/persistence.js";
import { createInMemoryRunQueries } from "../../src/in-memory/run-queries.js";
import { InMemoryStore } from "../../src/in-memory/store.js";
import { type RowIndex, StoreTransaction, Table } from "../../src/in-memory/table.js";
import { createPrng } from "../../src/testing/simulation/prng.js";

interface Row {
  key: string;
  version: number;
}

/** An index that records every change it is told about. */
class Log implements RowIndex<Row> {
  readonly changes: string[] = [];
  update(key: string, prev: Row | undefined, next: Row | undefined): void {
    this.changes.push(`${key}:${prev?.version ?? "-"}>${next?.version ?? "-"}`);
  }
}

/** A seeded mulberry32 stream (the simulator's), so a failing seed replays. */
const random = (seed: number): (() => number) => createPrng(seed).next;

/** Keys that mostly grow, like UUIDv7 ids, with some made earlier and some taken ones. */
function nextKey(rand: () => number, made: string[]): string {
  const r = rand();
  if (made.length > 0 && r < 0.15) return made[Math.floor(rand() * made.length)] as string;
  if (made.length > 0 && r < 0.35) {
    // An id made a little earlier than the last one: just below an existing key.
    const near = made[Math.max(0, made.length - 1 - Math.floor(rand() * 6))] as string;
    return `${near.slice(0, -1)}${String.fromCharCode(near.charCodeAt(near.length - 1) - 1)}~`;
  }
  const key = `k${String(made.length * 10 + 100_000).padStart(8, "0")}`;
  return key;
}

/**
 * Runs the same random operations on a plain {@link Table} and a {@link FreshKeyTable}, each
 * with a recording index, and checks after each that both answer alike.
 */
function compare(seed: number, steps: number): void {
  const rand = random(seed);
  const plainLog = new Log();
  const freshLog = new Log();
  const plain = new Table<Row>([plainLog]);
  const fresh = new FreshKeyTable<Row>([freshLog]);
  const made: string[] = [];
  let version = 0;
  let plainTx = new StoreTransaction();
  let freshTx = new StoreTransaction();
  for (let step = 0; step < steps; step++) {
    const r = rand();
    const key = nextKey(rand, made);
    if (r < 0.55) {
      // An insert as the outbox makes it: check the key, then write it as new.
      const taken = plain.get(key) !== undefined;
      expect(fresh.has(key), `seed ${seed} step ${step}: has(${key})`).toBe(taken);
      if (!taken) {
        const row = { key, version: ++version };
        plain.replace(plainTx, key, undefined, row);
        fresh.replace(freshTx, key, undefined, row);
        made.push(key);
      }
    } else if (r < 0.65) {
      const row = { key, version: ++version };
      plain.put(plainTx, key, row);
      fresh.put(freshTx, key, row);
      if (!made.includes(key)) made.push(key);
    } else if (r < 0.72) {
      const prev = plain.get(key);
      if (prev !== undefined) {
        const row = { key, version: ++version };
        plain.replace(plainTx, key, prev, row);
        fresh.replace(freshTx, key, fresh.get(key), row);
      }
    } else if (r < 0.78) {
      expect(fresh.delete(freshTx, key)).toBe(plain.delete(plainTx, key));
    } else if (r < 0.85) {
      expect(fresh.get(key), `seed ${seed} step ${step}: get(${key})`).toBe(plain.get(key));
    } else if (r < 0.9) {
      plainTx.commit();
      freshTx.commit();
      plainTx = new StoreTransaction();
      freshTx = new StoreTransaction();
    } else if (r < 0.95) {
      plainTx.rollback();
      freshTx.rollback();
      plainTx = new StoreTransaction();
      freshTx = new StoreTransaction();
    } else {
      expect([...fresh.values()], `seed ${seed} step ${step}: values`).toEqual([...plain.values()]);
      expect([...fresh.keys()]).toEqual([...plain.keys()]);
      expect(fresh.size).toBe(plain.size);
    }
    expect(freshLog.changes.length, `seed ${seed} step ${step}: index changes`).toBe(
      plainLog.changes.length,
    );
  }
  expect(freshLog.changes).toEqual(plainLog.changes);
  for (const key of made) expect(fresh.has(key)).toBe(plain.get(key) !== undefined);
  expect([...fresh.values()]).toEqual([...plain.values()]);
}

describe("FreshKeyTable", () => {
  it("answers every read and tells its indexes every change as a plain table does (200 seeds)", () => {
    for (let seed = 1; seed <= 200; seed++) compare(seed, 300);
  });

  it("finds a waiting key below the greatest one, and one already in its map", () => {
    const table = new FreshKeyTable<Row>();
    const tx = new StoreTransaction();
    for (const key of ["b", "d", "f", "c", "a", "e"]) {
      expect(table.has(key)).toBe(false);
      table.replace(tx, key, undefined, { key, version: 1 });
    }
    for (const key of ["a", "b", "c", "d", "e", "f"]) expect(table.has(key)).toBe(true);
    expect(table.has("cc")).toBe(false);
    expect(table.has("g")).toBe(false);
    // Insertion order, as a map keeps it.
    expect([...table.keys()]).toEqual(["b", "d", "f", "c", "a", "e"]);
    // Now in the map: still found, and a key below them all is still looked up.
    expect(table.has("a")).toBe(true);
    expect(table.has("f")).toBe(true);
    table.replace(tx, "0", undefined, { key: "0", version: 1 });
    expect(table.has("0")).toBe(true);
    expect(table.get("0")).toEqual({ key: "0", version: 1 });
  });

  it("rolls back an insert that is still waiting", () => {
    const table = new FreshKeyTable<Row>();
    const tx = new StoreTransaction();
    table.replace(tx, "a", undefined, { key: "a", version: 1 });
    tx.rollback();
    expect(table.has("a")).toBe(false);
    expect(table.get("a")).toBeUndefined();
    expect(table.size).toBe(0);
  });
});

describe("the in-memory outbox over a FreshKeyTable", () => {
  const event = (id: string, runId: string, sequence: number) => ({
    id,
    runId,
    sequence,
    type: "workflow.custom",
    payload: { n: sequence },
    occurredAt: new Date(sequence * 1000),
  });

  it("still refuses an event id already stored, made before or after the last one", async () => {
    const store = new InMemoryStore();
    const persistence = createInMemoryPersistence(store);
    await persistence.appendOutboxEvents([event("e2", "r1", 1), event("e4", "r1", 2)]);
    await persistence.appendOutboxEvents([event("e3", "r2", 1)]);
    for (const [id, runId, sequence] of [
      ["e2", "r3", 1],
      ["e3", "r3", 1],
      ["e4", "r3", 1],
    ] as const) {
      await expect(
        persistence.appendOutboxEvents([event(id, runId, sequence)]),
      ).rejects.toMatchObject({ code: "DUPLICATE_KEY" });
    }
    // A refused batch leaves nothing behind, and every event reads back in insertion order.
    await expect(
      persistence.appendOutboxEvents([event("e5", "r3", 1), event("e2", "r3", 2)]),
    ).rejects.toMatchObject({ code: "DUPLICATE_KEY" });
    expect([...store.outbox.values()].map((row) => row.id)).toEqual(["e2", "e4", "e3"]);
    await persistence.appendOutboxEvents([event("e1", "r3", 1)]);
    const queries = createInMemoryRunQueries(store);
    expect((await queries.listEvents("r3")).map((e) => e.id)).toEqual(["e1"]);
    expect(store.outbox.size).toBe(4);
  });
});
