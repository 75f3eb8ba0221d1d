/**
 * Corrupt rows, read: each JSON column of one run's rows, made invalid or of the wrong kind,
 * fails the read that meets it with `CORRUPT_ROW` naming the table, column and row, while the
 * other run on the same tables reads unchanged.
 */
import { RatchetError } from "@ratchet/kernel";
import { expect, it } from "vitest";
import { CorruptRowError } from "../../src/index.js";
import { corrupt, create, kernelOn } from "./corrupt-rows-fixture.js";
import type { StackHarness } from "./stacks.js";

/** One column's raw text, to put back after the case. */
async function rawValue(
  h: StackHarness,
  table: string,
  column: string,
  where: { key: string; id: string },
): Promise<string | null> {
  const [row] = await h.reader.read(`SELECT ${column} AS v FROM ${table} WHERE ${where.key} = $1`, [
    where.id,
  ]);
  return (row?.v as string | null) ?? null;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectCorrupt(error: unknown, table: string, column: string, rowId: string): void {
  expect(error).toBeInstanceOf(CorruptRowError);
  expect(error).toBeInstanceOf(RatchetError);
  expect(error).toMatchObject({ code: "CORRUPT_ROW", table, column, rowId, field: column });
  expect((error as Error).message).toContain(`${table}.${column}`);
}

/** Registers the corrupt-column read tests. */
export function readTests(harness: () => StackHarness): void {
  it("reading a corrupt JSON column fails with CORRUPT_ROW naming table, column and row; other runs read fine", async () => {
    const h = harness();
    await h.truncate();
    const t = kernelOn(h);
    const a = await create(t, 1);
    const b = await create(t, 2);
    await t.driver.drain();
    const stage = await h.stack.persistence.getStage(a, "first");
    const [job] = await h.reader.read("SELECT job_id FROM ratchet_jobs WHERE run_id = $1", [a]);
    const stageId = stage?.id as string;
    const jobId = job?.job_id as string;
    const runKey = { key: "id", id: a };
    const stageKey = { key: "id", id: stageId };

    const persistence = h.stack.persistence;
    const cases: Array<{
      table: string;
      column: string;
      value: string;
      where: { key: string; id: string };
      rowId: string;
      read: () => Promise<unknown>;
    }> = [
      ...(
        [
          ["input", "{not json"],
          ["config", "[1, 2]"],
          ["metadata", "null"],
          ["control", "42"],
          ["output", '{"n": '],
          ["error", "undefined"],
        ] as const
      ).map(([column, value]) => ({
        table: "ratchet_runs",
        column,
        value,
        where: runKey,
        rowId: a,
        read: () => persistence.getRun(a),
      })),
      ...(
        [
          ["output_ref", "{"],
          ["suspended_state", "'single quotes'"],
          ["poll_config", "{,}"],
          ["progress", "NaN"],
          ["error", "{"],
        ] as const
      ).map(([column, value]) => ({
        table: "ratchet_stages",
        column,
        value,
        where: stageKey,
        rowId: stageId,
        read: () => persistence.listStages(a),
      })),
      {
        table: "ratchet_stages",
        column: "output",
        value: '{"n": 2',
        where: stageKey,
        rowId: stageId,
        read: () => persistence.getStageOutputs([{ runId: a, stageId: "first" }]),
      },
      {
        table: "ratchet_jobs",
        column: "payload",
        value: '"a string"',
        where: { key: "job_id", id: jobId },
        rowId: jobId,
        read: () => h.stack.jobTransport.getJob(jobId),
      },
    ];
    const events = await h.stack.queries.listEvents(a);
    const event = events[0];
    if (event) {
      cases.push({
        table: "ratchet_outbox",
        column: "payload",
        value: "[",
        where: { key: "id", id: event.id },
        rowId: event.id,
        read: () => h.stack.queries.listEvents(a),
      });
    }
    expect(cases.length).toBe(14);

    const otherBefore = await persistence.getRun(b);
    for (const c of cases) {
      const original = await rawValue(h, c.table, c.column, c.where);
      await corrupt(h, c.table, c.column, c.value, c.where);
      try {
        expectCorrupt(await rejection(c.read()), c.table, c.column, c.rowId);
        // The other run, on the same tables, is unaffected.
        expect(await persistence.getRun(b)).toEqual(otherBefore);
        expect((await persistence.listStages(b)).map((s) => s.status)).toEqual([
          "COMPLETED",
          "COMPLETED",
        ]);
      } finally {
        await corrupt(h, c.table, c.column, original, c.where);
      }
    }
    // Put back, the run reads as before.
    expect((await persistence.getRun(a))?.output).toEqual({ n: 20 });
  });

  it("run queries page past runs they cannot read (a whole page, the last of a page); getRun reports CORRUPT_ROW", async () => {
    const h = harness();
    await h.truncate();
    const t = kernelOn(h);
    const runs: string[] = [];
    for (let n = 1; n <= 5; n++) {
      runs.push(await create(t, n));
      t.clock.advance(1_000);
    }
    const bad = [runs[1], runs[2]] as string[];
    for (const id of bad) await corrupt(h, "ratchet_runs", "config", "{", { key: "id", id });
    const readable = runs.filter((id) => !bad.includes(id)).reverse();
    // Newest first the bad runs are the 3rd and 4th. Page size 2: the second page holds
    // nothing readable and still leads on; 3: the last run of the first page is a bad one.
    for (const limit of [2, 3]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await h.stack.queries.listRuns({ limit, ...(cursor ? { cursor } : {}) });
        seen.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(readable);
    }
    const error = await rejection(h.stack.queries.getRun(bad[0] as string));
    expectCorrupt(error, "ratchet_runs", "config", bad[0] as string);
  });
}
