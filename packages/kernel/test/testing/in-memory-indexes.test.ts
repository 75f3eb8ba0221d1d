/**
 * Indexes of the in-memory store. The ordered index is checked against a brute-force
 * reference: random inserts, updates, deletes and rollbacks, and after each step the first
 * rows must be exactly those a full sort of the table gives. The pair index is checked by
 * example.
 */
import { describe, expect, it } from "vitest";
import { PairIndex } from "../../src/in-memory/pair-index.js";
import { OrderedIndex, StoreTransaction, Table } from "../../src/in-memory/table.js";
import { createPrng } from "../../src/testing/simulation/prng.js";

interface Row {
  id: string;
  status: "PENDING" | "DONE";
  priority: number;
  seq: number;
  note: number;
}

const order = (a: Row, b: Row) => b.priority - a.priority || a.seq - b.seq;

/** A seeded mulberry32 stream (the simulator's), so a failing seed replays. */
const random = (seed: number): (() => number) => createPrng(seed).next;

describe("OrderedIndex", () => {
  for (const seed of [1, 2, 3]) {
    it(`matches a full sort of the table after every write and rollback (seed ${seed})`, () => {
      const next = random(seed);
      const pending = new OrderedIndex<Row>(
        ["status", "priority", "seq"],
        (row) => row.status === "PENDING",
        order,
      );
      const table = new Table<Row>([pending]);
      let seq = 0;
      const expected = () =>
        [...table.values()].filter((row) => row.status === "PENDING").sort(order);
      for (let step = 0; step < 800; step++) {
        const tx = new StoreTransaction();
        const writes = 1 + Math.floor(next() * 4);
        for (let w = 0; w < writes; w++) {
          const id = `r${Math.floor(next() * 300)}`;
          const prev = table.get(id);
          const roll = next();
          if (prev === undefined || roll < 0.2) {
            seq += 1;
            table.put(tx, id, {
              id,
              status: "PENDING",
              priority: Math.floor(next() * 3),
              seq,
              note: 0,
            });
          } else if (roll < 0.5) {
            table.put(tx, id, { ...prev, status: prev.status === "PENDING" ? "DONE" : "PENDING" });
          } else if (roll < 0.7) {
            // A change that leaves the index's fields alone: the row object is replaced in place.
            table.put(tx, id, { ...prev, note: prev.note + 1 });
          } else if (roll < 0.85) {
            table.put(tx, id, { ...prev, priority: Math.floor(next() * 3) });
          } else {
            table.delete(tx, id);
          }
        }
        if (next() < 0.3) tx.rollback();
        else tx.commit();
        const all = expected();
        expect(pending.size).toBe(all.length);
        const limit = 1 + Math.floor(next() * 20);
        expect(pending.first(limit)).toEqual(all.slice(0, limit));
        // The stored objects themselves, not stale versions of them.
        for (const row of pending.first(limit)) expect(table.get(row.id)).toBe(row);
        const odd = (row: Row) => row.seq % 2 === 1;
        expect(pending.first(limit, odd)).toEqual(all.filter(odd).slice(0, limit));
      }
    });
  }

  it("keeps its order through long runs of removals at the front and inserts before it", () => {
    const pending = new OrderedIndex<Row>(
      ["status", "priority", "seq"],
      (row) => row.status === "PENDING",
      order,
    );
    const table = new Table<Row>([pending]);
    const tx = new StoreTransaction();
    const row = (seq: number, priority = 0): Row => ({
      id: `r${seq}`,
      status: "PENDING",
      priority,
      seq,
      note: 0,
    });
    for (let seq = 1; seq <= 5_000; seq++) table.put(tx, `r${seq}`, row(seq));
    // Claims take the front, as dequeues do: past the point where the head is compacted.
    for (let seq = 1; seq <= 3_000; seq++)
      table.put(tx, `r${seq}`, { ...row(seq), status: "DONE" });
    expect(pending.size).toBe(2_000);
    expect(pending.first(2).map((r) => r.seq)).toEqual([3_001, 3_002]);
    // A higher priority sorts first: it reuses the freed slot before the head.
    table.put(tx, "urgent", { ...row(6_000, 5), id: "urgent" });
    table.put(tx, "r4000", { ...row(4_000), status: "DONE" });
    expect(pending.first(3).map((r) => r.id)).toEqual(["urgent", "r3001", "r3002"]);
    tx.rollback();
    expect(pending.size).toBe(0);
    expect(pending.first(10)).toEqual([]);
  });
});

describe("PairIndex", () => {
  interface Event {
    id: string;
    runId: string;
    sequence: number;
  }
  const make = () => {
    const bySequence = new PairIndex<Event, number>(
      (event) => event.runId,
      (event) => event.sequence,
      (a, b) => a.runId === b.runId && a.sequence === b.sequence,
    );
    return { bySequence, table: new Table<Event>([bySequence]) };
  };

  it("finds rows by pair through inserts, moves, deletes and a rollback", () => {
    const { bySequence, table } = make();
    const tx = new StoreTransaction();
    table.put(tx, "e1", { id: "e1", runId: "r1", sequence: 1 });
    table.put(tx, "e2", { id: "e2", runId: "r1", sequence: 2 });
    table.put(tx, "e3", { id: "e3", runId: "r2", sequence: 1 });
    tx.commit();
    expect(bySequence.get("r1", 1)).toBe("e1");
    expect(bySequence.get("r1", 2)).toBe("e2");
    expect(bySequence.get("r2", 1)).toBe("e3");
    expect(bySequence.get("r2", 2)).toBeUndefined();
    expect(bySequence.get("r3", 1)).toBeUndefined();

    const undo = new StoreTransaction();
    table.put(undo, "e2", { id: "e2", runId: "r2", sequence: 2 });
    table.delete(undo, "e1");
    expect(bySequence.get("r1", 2)).toBeUndefined();
    expect(bySequence.get("r2", 2)).toBe("e2");
    expect(bySequence.get("r1", 1)).toBeUndefined();
    undo.rollback();
    expect(bySequence.get("r1", 1)).toBe("e1");
    expect(bySequence.get("r1", 2)).toBe("e2");
    expect(bySequence.get("r2", 2)).toBeUndefined();
  });

  it("a row leaving a pair another row has taken since does not remove that row", () => {
    const { bySequence, table } = make();
    const tx = new StoreTransaction();
    table.put(tx, "a", { id: "a", runId: "r", sequence: 1 });
    // Callers check for conflicts first; if one does not, the newer row owns the pair.
    table.put(tx, "b", { id: "b", runId: "r", sequence: 1 });
    table.delete(tx, "a");
    expect(bySequence.get("r", 1)).toBe("b");
  });
});
